(function () {
    var BL = window.BL = window.BL || {rows: [], markers: {}};
    BL.colours = __COLOURS__;
    BL.names = ["green", "grey", "amber", "red"];
    BL.shapes = ["\u25cf", "\u25cb", "\u25b2", "\u25a0"];  // a shape for each, not a hue alone
    BL.opening = __OPENING_COLOURS__;
    BL.openingText = {planned: "planned: not opened yet",
                      provisioning: "provisioning: its CPE is being configured",
                      failed: "opening failed: see its timeline"};
    // A site being opened has its own colour and a dashed outline; one in service, its health's.
    BL.style = function (row) {
        var opening = row[7];
        return opening ? {fillColor: BL.opening[opening], dashArray: "3 2", weight: 2}
                       : {fillColor: BL.colours[row[2]], dashArray: null, weight: 1};
    };
    function esc(s) {
        return String(s).replace(/[&<>"']/g, function (c) {
            return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
        });
    }
    BL.esc = esc;
    // A panel of the page: a Leaflet control at `o.position` with its class, role and label,
    // white, that keeps the map from taking its clicks and scrolls; `o.css` adds to its style.
    BL.panel = function (map, o) {
        var div = L.DomUtil.create("div", "leaflet-bar " + o.cls);
        if (o.role) { div.setAttribute("role", o.role); }
        if (o.label) { div.setAttribute("aria-label", o.label); }
        div.style.cssText = "background:#fff;color:#1d2733;padding:6px 8px;" + (o.css || "");
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        var control = L.control({position: o.position});
        control.onAdd = function () { return div; };
        control.addTo(map);
        return div;
    };
    // A marker's shape tells its state as its colour does (the summary's shapes): normal a
    // disc, no data a ring, degraded a triangle, down a square. Drawn on the canvas renderer
    // the page uses (folium's prefer_canvas); the SVG renderer draws circles.
    var OUTLINES = {2: "triangle", 3: "square"};
    var ShapeMarker = L.CircleMarker.extend({
        _updatePath: function () {
            var r = this._renderer, shape = OUTLINES[this.options.status];
            if (!shape || !r._ctx) { return L.CircleMarker.prototype._updatePath.call(this); }
            if (!r._drawing || this._empty()) { return; }
            var p = this._point, ctx = r._ctx, s = Math.max(Math.round(this._radius), 1);
            ctx.beginPath();
            if (shape === "square") { ctx.rect(p.x - s, p.y - s, 2 * s, 2 * s); }
            else {
                ctx.moveTo(p.x, p.y - s);
                ctx.lineTo(p.x + s, p.y + s * 0.8);
                ctx.lineTo(p.x - s, p.y + s * 0.8);
                ctx.closePath();
            }
            r._fillStroke(ctx, this);
        }
    });
    BL.style = (function (colourOf) {
        return function (row) {
            var style = colourOf(row);
            // No data: a ring (white inside), whatever the opening colour is not saying.
            if (!row[7] && row[2] === 1) { style.fillColor = "#fff"; style.color = "#757575"; }
            else { style.color = "#263238"; }
            return style;
        };
    })(BL.style);
    return function (row) {
        if (!BL.rows.length) { performance.mark("bl-markers"); }  // the first marker made
        BL.rows.push(row);
        var marker = new ShapeMarker(new L.LatLng(row[0], row[1]), L.extend({
            radius: 6, fillOpacity: 0.9, status: row[2]
        }, BL.style(row)));
        marker.options.site = row[3];
        // A click opens the site's panel (panel.js), which fetches what it shows.
        marker.on("click", function () { if (BL.site) { BL.site.open(row[3]); } });
        BL.markers[row[3]] = marker;
        return marker;
    };
})()
