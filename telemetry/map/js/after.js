(function (map, cluster, landUrl, hubs, linesFrom) {
    var BL = window.BL;
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
    // One polyline per colour; `BL.drawLines()` regroups the segments by each row's line
    // colour (row[8]), which the live refresh updates.
    var polylines = BL.colours.map(function (colour) {
        return L.polyline([], {color: colour, weight: 1, opacity: 0.6, interactive: false});
    });
    var lines = L.layerGroup(polylines);
    BL.drawLines = function () {
        var byQuality = [[], [], [], []];
        BL.rows.forEach(function (row) {
            row[7].forEach(function (h) { byQuality[row[8]].push([[row[0], row[1]], hubs[h]]); });
        });
        polylines.forEach(function (line, q) { line.setLatLngs(byQuality[q]); });
        var counts = byQuality.map(function (s) { return s.length; });
        document.body.dataset.hubLines = String(counts.reduce(function (a, b) { return a + b; }));
        document.body.dataset.hubLineColours = counts.join(",");  // green,grey,amber,red
    };
    BL.drawLines();
    function showLines() {
        if (map.getZoom() >= linesFrom) { lines.addTo(map); } else { lines.remove(); }
    }
    map.on("zoomend", showLines);
    showLines();
    document.body.dataset.siteMarkers = String(cluster.getLayers().length);
})(%(map)s, %(cluster)s, %(land)s, %(hubs)s, %(lines_from)d);
