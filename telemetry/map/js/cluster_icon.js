function (cluster) {
    // A donut of its sites' states (down, degraded, normal, no data, clockwise from the top)
    // around the count in dark on white, so the count reads on any state and a cluster of
    // mostly healthy sites does not look down; it grows with the count's digits. Its label
    // names each state's count (BL.stateWords, set by summary.js).
    var BL = window.BL, counts = [0, 0, 0, 0];
    cluster.getAllChildMarkers().forEach(function (m) { counts[m.options.status]++; });
    var n = cluster.getChildCount(), digits = String(n).length;
    var size = 30 + 6 * Math.max(0, digits - 1), r = size / 2 - 4, c = 2 * Math.PI * r;
    var ring = "", at = 0;
    [3, 2, 0, 1].forEach(function (code) {
        if (!counts[code]) { return; }
        var part = counts[code] / n * c;
        ring += "<circle r='" + r + "' cx='" + size / 2 + "' cy='" + size / 2 + "' fill='none' " +
            "stroke='" + BL.colours[code] + "' stroke-width='7' stroke-dasharray='" +
            part.toFixed(2) + " " + (c - part).toFixed(2) + "' stroke-dashoffset='" +
            (c / 4 - at).toFixed(2) + "'/>";
        at += part;
    });
    var words = BL.stateWords || ["normal", "no data", "degraded", "down"];
    var label = [3, 2, 0, 1].filter(function (code) { return counts[code]; }).map(function (code) {
        return words[code] + " " + counts[code];
    }).join(", ");
    return L.divIcon({
        className: "bl-cluster", iconSize: L.point(size, size),
        html: "<div role='img' aria-label='" + BL.esc(label) + "' title='" + BL.esc(label) +
            "' data-counts='" + counts.join(",") + "'><svg width='" + size + "' height='" +
            size + "' viewBox='0 0 " + size + " " + size + "' aria-hidden='true'>" +
            "<circle r='" + (r + 3.5) + "' cx='" + size / 2 + "' cy='" + size / 2 +
            "' fill='#fff' stroke='#263238' stroke-width='1'/>" + ring +
            "<text x='50%' y='50%' dy='.35em' text-anchor='middle' fill='#1d2733' " +
            "style='font:700 " + (digits > 3 ? 10 : 12) + "px system-ui,sans-serif'>" + n +
            "</text></svg></div>"
    });
}
