(function (map, cluster, cfg) {
    // The summary bar: how many sites are in each state, each count a button that shows only
    // those sites on the map (again: all), and how old the data is. Kept current by live.js,
    // which calls BL.summarise() after every refresh.
    var BL = window.BL, body = document.body.dataset, T = cfg.words;
    BL.stateWords = T.status;  // the clusters' labels (cluster_icon.js)
    var params = new URLSearchParams(location.search);
    var order = [3, 2, 0, 1];  // down, degraded, normal, no data: the worst first
    var shown = params.get("status");
    shown = shown === null ? null : BL.names.indexOf(shown);
    if (shown === -1) { shown = null; }
    // A bar of buttons (the filters beside it look the same).
    BL.barCss = "font:13px/1.5 system-ui,sans-serif;display:flex;gap:6px;align-items:center;" +
        "flex-wrap:wrap";
    var bar = BL.panel(map, {position: "topright", cls: "bl-summary", role: "toolbar",
        label: T.summary, css: BL.barCss});
    var buttons = order.map(function (code) {
        var b = L.DomUtil.create("button", "bl-count", bar);
        b.type = "button";
        b.dataset.status = BL.names[code];
        b.style.cssText = "border:1px solid #b0bec5;border-radius:4px;background:#fff;" +
            "padding:2px 8px;cursor:pointer;font:inherit;color:inherit";
        b.innerHTML = "<span aria-hidden='true' style='color:" + BL.colours[code] + "'>" +
            BL.shapes[code] + "</span> <span class='bl-name'>" + BL.esc(T.status[code]) +
            "</span> <b class='bl-n'>0</b>";
        b.addEventListener("click", function () { choose(shown === code ? null : code); });
        return b;
    });
    var age = L.DomUtil.create("span", "bl-data-age", bar);
    age.style.cssText = "margin-left:4px;color:#56636f";
    // The other filters (filters.js) have their say on every site: BL.passes(row).
    BL.passes = BL.passes || function () { return true; };
    function choose(code) {
        shown = code;
        var keep = [], rows = [];
        BL.rows.forEach(function (row) {
            if ((code === null || row[2] === code) && BL.passes(row)) {
                keep.push(BL.markers[row[3]]);
                rows.push(row);
            }
        });
        if (BL.filtered) { BL.filtered(rows); }  // the table view (table.js)
        // Re-clustering 10,000 markers takes a while: not when the map shows them already
        // (the page's first view with no filter, a refresh that changed nobody's filter).
        var layers = cluster.getLayers();
        var same = keep.length === layers.length && keep.every(function (m) {
            return cluster.hasLayer(m);
        });
        if (!same) {
            cluster.clearLayers();
            cluster.addLayers(keep);
        }
        buttons.forEach(function (b, i) {
            var on = order[i] === code;
            b.setAttribute("aria-pressed", on ? "true" : "false");
            b.style.background = on ? "#e3f2fd" : "#fff";
            b.style.fontWeight = on ? "700" : "400";
        });
        var url = new URL(location.href);
        if (code === null) { url.searchParams.delete("status"); }
        else { url.searchParams.set("status", BL.names[code]); }
        history.replaceState(null, "", url);
        body.filter = code === null ? "" : BL.names[code];
        body.shown = String(keep.length);
    }
    BL.summarise = function (atMs) {
        var counts = [0, 0, 0, 0];
        BL.rows.forEach(function (row) { counts[row[2]]++; });
        buttons.forEach(function (b, i) {
            b.querySelector(".bl-n").textContent = counts[order[i]].toLocaleString(T.locale);
        });
        body.counts = counts.join(",");  // normal, no data, degraded, down (status codes)
        if (atMs) {
            var seconds = Math.max(0, Math.round((Date.now() - atMs) / 1000));
            var stale = seconds > cfg.stale_s;
            age.textContent = (stale ? "\u26a0 " + T.stale + " " : T.age + " ") +
                (seconds < 120 ? seconds + " s" : Math.round(seconds / 60) + " min");
            age.style.color = stale ? "#b3261e" : "#56636f";
            body.stale = stale ? "yes" : "no";
        }
        if (shown !== null) { choose(shown); }  // markers whose state changed join or leave
    };
    // Show one site: out of its cluster, zoomed to, its panel open (shown again first if the
    // filter had left it off the map).
    BL.reveal = function (id) {
        var m = BL.markers[id];
        if (!m) { return; }
        if (!cluster.hasLayer(m)) { choose(null); }
        if (!cluster.hasLayer(m)) { cluster.addLayer(m); }  // the other filters left it off
        map.setView(m.getLatLng(), Math.max(map.getZoom(), 14));
        BL.site.open(id);
    };
    BL.refilter = function () { choose(shown); };
    BL.summarise(null);
    choose(shown);
})(%(map)s, %(cluster)s, %(config)s);
