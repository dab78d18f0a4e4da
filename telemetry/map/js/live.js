(function (map, cluster, cfg) {
    var BL = window.BL, body = document.body.dataset;
    var params = new URLSearchParams(location.search);
    var token = params.get("token");
    var headers = token ? {Authorization: "Bearer " + token} : {};
    function get(url) {
        return fetch(url, {headers: headers, cache: "no-store"}).then(function (r) {
            if (!r.ok) { throw new Error(url.split("?")[0] + " answered " + r.status); }
            return r.json();
        });
    }
    BL.live = {};
    BL.rows.forEach(function (row) { BL.live[row[3]] = row[2]; });
    var history = null, fetchedAt = 0, position = null;  // position null: live
    function paint(codeOf, opening) {
        var changed = 0;
        BL.rows.forEach(function (row) {
            var c = codeOf(row[3]), o = opening ? (opening[row[3]] || "") : row[9];
            if ((c === undefined || c === row[2]) && o === row[9]) { return; }
            if (c !== undefined) { row[2] = c; }
            row[9] = o;
            var m = BL.markers[row[3]];
            m.options.status = row[2];
            m.setStyle(BL.style(row));
            changed++;
        });
        if (changed) { cluster.refreshClusters(); }
        return changed;
    }
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function hour(ms) {
        var d = new Date(ms);
        return pad(d.getHours()) + ":" + pad(d.getMinutes());
    }
    var div = L.DomUtil.create("div", "leaflet-bar bl-replay");
    div.style.cssText = "background:#fff;padding:6px 10px 4px;font:12px/1.4 sans-serif;" +
        "color:#263238;min-width:290px";
    div.innerHTML = "<div><b>Health</b> <span class='bl-when'>live</span>" +
        "<span class='bl-age' style='float:right;color:#607d8b'></span></div>" +
        "<input class='bl-slider' type='range' min='0' max='" + cfg.hours + "' step='1' " +
        "value='" + cfg.hours + "' aria-label='replay hour' style='width:100%%;margin:4px 0'>" +
        "<div style='display:flex;justify-content:space-between;color:#607d8b'>" +
        "<span>-" + cfg.hours + " h</span><span>-12 h</span><span>live</span></div>";
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    var input = div.querySelector(".bl-slider"), when = div.querySelector(".bl-when");
    var age = div.querySelector(".bl-age");
    var control = L.control({position: "bottomleft"});
    control.onAdd = function () { return div; };
    control.addTo(map);
    function showLive() {
        position = null;
        when.textContent = "live";
        body.replay = "live";
        paint(function (id) { return BL.live[id]; }, BL.liveOpening);
        if (BL.site) { BL.site.replayed(); }
    }
    function showBucket(b) {
        var index = {};
        history.sites.forEach(function (s, i) { index[s] = i; });
        var codes = history.codes[b], start = history.buckets[b];
        position = b;
        when.textContent = hour(start) + "\u2013" + hour(start + history.bucket_ms) +
            " (hourly means)";
        body.replay = String(start);
        paint(function (id) {
            var i = index[id];
            return i === undefined ? undefined : Number(codes.charAt(i));
        });
        if (BL.site) { BL.site.replayed(); }
    }
    function loadHistory() {
        if (history && Date.now() - fetchedAt < 300000) { return Promise.resolve(history); }
        when.textContent = "loading\u2026";
        return get(cfg.history).then(function (data) {
            history = data;
            fetchedAt = Date.now();
            body.replayBuckets = String(data.buckets.length);
            return data;
        });
    }
    function choose(value) {
        var b = Number(value);
        if (b >= cfg.hours) { showLive(); return; }
        loadHistory().then(function () {
            if (Number(input.value) === b) { showBucket(b); }
        }).catch(function (e) {
            when.textContent = "replay unavailable";
            console.warn(e.message);
        });
    }
    input.addEventListener("input", function () { choose(input.value); });
    function recolourLines(lines) {
        var changed = 0;
        BL.rows.forEach(function (row) {
            var q = lines[row[3]];
            if (q !== undefined && q !== row[8]) { row[8] = q; changed++; }
        });
        if (changed) { BL.drawLines(); }
    }
    function refresh() {
        return get(cfg.status).then(function (data) {
            BL.live = data.status;
            recolourLines(data.lines);
            BL.liveOpening = data.opening;
            if (position === null) {
                paint(function (id) { return data.status[id]; }, data.opening);
            }
            // Sites being opened, counted by the colour their markers now have.
            var opening = {planned: 0, provisioning: 0, failed: 0};
            BL.rows.forEach(function (row) {
                var m = BL.markers[row[3]];
                if (row[9] && m.options.fillColor === BL.opening[row[9]]) { opening[row[9]]++; }
            });
            body.opening = Object.keys(opening).map(function (k) {
                return k + ":" + opening[k];
            }).join(",");
            BL.refreshes = (BL.refreshes || 0) + 1;
            body.refreshes = String(BL.refreshes);
            age.textContent = "updated " + hour(data.at_ms);
            if (BL.summarise) { BL.summarise(data.at_ms); }
            if (BL.alarms) { BL.alarms.refresh(); }
            if (BL.site) { BL.site.refresh(); }
        }).catch(function (e) { age.textContent = "update failed"; console.warn(e.message); });
    }
    function tick() { refresh().then(function () { setTimeout(tick, cfg.every * 1000); }); }
    setTimeout(tick, 1000);
    body.slider = "ready";
    var start = params.get("replay");
    if (start !== null && Number(start) >= 0 && Number(start) < cfg.hours) {
        input.value = start;
        choose(start);
    }
})(%(map)s, %(cluster)s, %(config)s);
