(function (map, cluster, landUrl, hubs, linesFrom, boundaryUrl) {
    var BL = window.BL;
    performance.mark("bl-after");  // every marker made and clustered (bench_console.py)
    BL.map = map;  // for tests and monitoring scripts, as the body's data attributes are
    BL.cluster = cluster;
    // Marks for the console's bench (bench/bench_console.py): the clusters drawn once the
    // markers added in chunks are all in (the summary adds them again once it has filtered).
    cluster.options.chunkProgress = function (done, total) {
        if (done >= total) { performance.mark("bl-clusters"); }
    };
    performance.mark("bl-clusters");  // drawn when the cluster joined the map, just before
    // Leaflet's default prefix carries a national flag: keep the map free of political symbols.
    map.attributionControl.setPrefix("Leaflet");
    map.createPane("blBase").style.zIndex = 250;
    var base = {pane: "blBase", interactive: false};
    var grid = [];
    for (var lat = -80; lat <= 80; lat += 10) { grid.push([[lat, -180], [lat, 180]]); }
    for (var lon = -180; lon <= 180; lon += 10) { grid.push([[-85, lon], [85, lon]]); }
    L.polyline(grid, Object.assign({color: "#90a4ae", weight: 0.6, opacity: 0.7}, base))
        .addTo(map);
    function blTopo(topo, obj) {
        var t = topo.transform, sx = t.scale[0], sy = t.scale[1];
        var tx = t.translate[0], ty = t.translate[1];
        var arcs = topo.arcs.map(function (arc) {
            var x = 0, y = 0;
            return arc.map(function (p) {
                x += p[0]; y += p[1];
                return [x * sx + tx, y * sy + ty];
            });
        });
        function ring(ids) {
            var out = [];
            ids.forEach(function (i, k) {
                var a = i < 0 ? arcs[~i].slice().reverse() : arcs[i];
                out = out.concat(k ? a.slice(1) : a);
            });
            return out;
        }
        function geometry(g) {
            if (g.type === "Polygon") { return {type: "Polygon", coordinates: g.arcs.map(ring)}; }
            var polygons = g.arcs.map(function (p) { return p.map(ring); });
            return {type: "MultiPolygon", coordinates: polygons};
        }
        var gs = obj.type === "GeometryCollection" ? obj.geometries : [obj];
        return {type: "FeatureCollection", features: gs.map(function (g) {
            return {type: "Feature", properties: {}, geometry: geometry(g)};
        })};
    }
    if (landUrl) {
        fetch(landUrl).then(function (r) { return r.json(); }).then(function (topo) {
            L.geoJSON(blTopo(topo, topo.objects.land), Object.assign({style: {
                color: "#78909c", weight: 0.8, fillColor: "#f5f1e6", fillOpacity: 1
            }}, base)).addTo(map);
            map.attributionControl.addAttribution("land: Natural Earth");
            document.body.dataset.land = "drawn";
        });
    }
    // The operator's boundary file (BRANCHLINE_MAP_BOUNDARY_FILE), over the base layer.
    if (boundaryUrl) {
        fetch(boundaryUrl).then(function (r) { return r.json(); }).then(function (geo) {
            var layer = L.geoJSON(geo, Object.assign({style: {color: "#6d4c41", weight: 1,
                opacity: 0.9, fill: false}}, base)).addTo(map);
            map.attributionControl.addAttribution("boundaries: operator's file");
            document.body.dataset.boundary = String(layer.getLayers().length);
        }).catch(function (e) { console.warn("boundary file: " + e.message); });
    }
    // Hub-spoke lines, one polyline per colour, coloured by each row's line quality (row[6],
    // which the live refresh updates). Drawn for what is selected, not for the whole network
    // (at 10,000 sites that is a solid mass): the open site's lines (BL.selectLines, from the
    // site panel), a cluster's while the pointer is on it, or every line when the viewer asks
    // for them ("all hub lines", ?lines=all; above `linesFrom` sites only from zoom 7).
    var polylines = BL.colours.map(function (colour) {
        return L.polyline([], {color: colour, weight: 1.5, opacity: 0.8, interactive: false});
    });
    var lines = L.layerGroup(polylines).addTo(map);
    var selected = null, hovered = null;
    BL.allLines = new URLSearchParams(location.search).get("lines") === "all";
    BL.drawLines = function () {
        var byQuality = [[], [], [], []], only = hovered || selected;
        var all = BL.allLines && map.getZoom() >= linesFrom;
        var replaying = document.body.dataset.replay && document.body.dataset.replay !== "live";
        BL.rows.forEach(function (row) {
            // Their colours are live: none while the map replays an hour.
            if (replaying || (!all && !(only && only[row[3]]))) { return; }
            row[5].forEach(function (h) { byQuality[row[6]].push([[row[0], row[1]], hubs[h]]); });
        });
        polylines.forEach(function (line, q) { line.setLatLngs(byQuality[q]); });
        var counts = byQuality.map(function (s) { return s.length; });
        document.body.dataset.hubLines = String(counts.reduce(function (a, b) { return a + b; }));
        document.body.dataset.hubLineColours = counts.join(",");  // green,grey,amber,red
    };
    function ids(list) {
        if (!list) { return null; }
        var set = {};
        list.forEach(function (id) { set[id] = true; });
        return set;
    }
    BL.selectLines = function (list) { selected = ids(list); BL.drawLines(); };
    cluster.on("clustermouseover", function (e) {
        hovered = ids(e.layer.getAllChildMarkers().map(function (m) { return m.options.site; }));
        BL.drawLines();
    });
    cluster.on("clustermouseout animationend", function () {
        if (hovered) { hovered = null; BL.drawLines(); }
    });
    map.on("zoomend", BL.drawLines);
    BL.drawLines();
    // The hubs, drawn as hubs: a dark hexagon with a white "H" above the markers and clusters,
    // where the lines meet (its health marker stays among the sites'; a click opens its panel).
    map.createPane("blHubs").style.zIndex = 650;
    BL.rows.forEach(function (row) {
        if (row[9] || row[5].length) { return; }  // a branch: it has a class or a hub
        var icon = L.divIcon({
            className: "bl-hub", iconSize: L.point(26, 26),
            html: "<svg viewBox='0 0 26 26' width='26' height='26' aria-hidden='true'>" +
                "<polygon points='13,1 24,7 24,19 13,25 2,19 2,7' fill='#263238' stroke='#fff' " +
                "stroke-width='2'/><text x='13' y='17.5' text-anchor='middle' fill='#fff' " +
                "font:700 11px system-ui,sans-serif'>H</text></svg>"
        });
        var hub = L.marker([row[0], row[1]], {icon: icon, pane: "blHubs", title: row[4],
                                              keyboard: true, alt: row[4]}).addTo(map);
        hub.on("click", function () { BL.site.open(row[3]); });
    });
    document.body.dataset.siteMarkers = String(cluster.getLayers().length);
})(%(map)s, %(cluster)s, %(land)s, %(hubs)s, %(lines_from)d, %(boundary)s);
