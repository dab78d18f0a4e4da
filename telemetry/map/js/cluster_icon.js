function (cluster) {
    var worst = 0;
    cluster.getAllChildMarkers().forEach(function (m) {
        if (m.options.status > worst) { worst = m.options.status; }
    });
    var n = cluster.getChildCount();
    var size = n < 100 ? 34 : (n < 1000 ? 40 : 46);
    return L.divIcon({
        html: "<div style='background-color:" + window.BL.colours[worst] + ";color:#fff'>" +
            "<span>" + n + "</span></div>",
        className: "marker-cluster", iconSize: L.point(size, size)
    });
}
