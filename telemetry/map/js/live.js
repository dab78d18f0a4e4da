(function (map, cluster, cfg) {
    var BL = window.BL, body = document.body.dataset, T = cfg.words;
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
            var c = codeOf(row[3]), o = opening ? (opening[row[3]] || "") : row[7];
            if ((c === undefined || c === row[2]) && o === row[7]) { return; }
            if (c !== undefined) { row[2] = c; }
            row[7] = o;
            var m = BL.markers[row[3]];
            m.options.status = row[2];
            m.setStyle(BL.style(row));
            changed++;
        });
        if (changed) { cluster.refreshClusters(); }
        return changed;
    }
    // Times in the network's time zone (named in the box), with the date where it matters.
    function when(ms, withDate) {
        var o = {hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: cfg.zone};
        if (withDate) { o.year = "numeric"; o.month = "2-digit"; o.day = "2-digit"; }
        return new Date(ms).toLocaleString(T.locale, o);
    }
    var today = new Date().toLocaleDateString("en-CA", {timeZone: cfg.zone});  // YYYY-MM-DD
    var day = params.get("day") || "";  // "": the last 24 h
    if (day > today) { day = ""; }
    var div = L.DomUtil.create("div", "leaflet-bar bl-replay");
    div.setAttribute("role", "group");
    div.setAttribute("aria-label", T.replay);
    div.style.cssText = "background:#fff;padding:6px 10px 4px;font:12px/1.4 system-ui," +
        "sans-serif;color:#263238;min-width:310px";
    div.innerHTML = "<div style='display:flex;gap:6px;align-items:center'><b>" +
        BL.esc(T.replay) + "</b><input class='bl-day' type='date' max='" + today + "' " +
        "aria-label='" + BL.esc(T.day) + "' style='font:inherit'><span class='bl-age' " +
        "style='margin-left:auto;color:#56636f'></span></div>" +
        "<div class='bl-when' aria-live='polite'></div>" +
        "<input class='bl-slider' type='range' min='0' max='" + cfg.hours + "' step='1' " +
        "value='" + cfg.hours + "' aria-label='" + BL.esc(T.replay_hour) + "' " +
        "style='width:100%%;margin:4px 0'>" +
        "<div class='bl-ticks' style='display:flex;justify-content:space-between;" +
        "color:#56636f'></div><div class='bl-replay-empty' hidden style='color:#b3261e'>" +
        BL.esc(T.no_history_hour) + "</div>";
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    var input = div.querySelector(".bl-slider"), label = div.querySelector(".bl-when");
    var age = div.querySelector(".bl-age"), dayInput = div.querySelector(".bl-day");
    var empty = div.querySelector(".bl-replay-empty"), ticks = div.querySelector(".bl-ticks");
    var control = L.control({position: "bottomleft"});
    control.onAdd = function () { return div; };
    control.addTo(map);
    function showTicks() {
        var marks = day ? ["00:00", "12:00", T.live] : ["-" + cfg.hours + " h", "-12 h", T.live];
        ticks.innerHTML = marks.map(function (m) { return "<span>" + BL.esc(m) + "</span>"; })
            .join("");
    }
    function showLive() {
        position = null;
        label.textContent = T.live_label.replace("{zone}", cfg.zone);
        body.replay = "live";
        empty.hidden = true;
        paint(function (id) { return BL.live[id]; }, BL.liveOpening);
        BL.drawLines();
        if (BL.site) { BL.site.replayed(); }
    }
    function showBucket(b) {
        var index = {};
        history.sites.forEach(function (s, i) { index[s] = i; });
        var codes = history.codes[b], start = history.buckets[b];
        position = b;
        label.textContent = T.replay_label.replace("{from}", when(start, true))
            .replace("{to}", when(start + history.bucket_ms)).replace("{zone}", cfg.zone);
        body.replay = String(start);
        // An hour in which no site reported anything: say so, not just a grey map.
        var none = codes.length > 0 && codes.split("").every(function (c) { return c === "1"; });
        empty.hidden = !none;
        body.replayEmpty = none ? "yes" : "no";
        paint(function (id) {
            var i = index[id];
            return i === undefined ? undefined : Number(codes.charAt(i));
        });
        BL.drawLines();  // none while replaying: the lines' colours are live
        if (BL.site) { BL.site.replayed(); }
    }
    function loadHistory() {
        if (history && Date.now() - fetchedAt < 300000) { return Promise.resolve(history); }
        label.textContent = T.loading;
        var url = cfg.history + (day ? "?day=" + day : "");
        return get(url).then(function (data) {
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
            if (Number(input.value) === b) { showBucket(Math.min(b, history.buckets.length - 1)); }
        }).catch(function (e) {
            label.textContent = T.replay_unavailable;
            console.warn(e.message);
        });
    }
    // A day: its hours on the slider (from 00:00), kept in the address (?day=YYYY-MM-DD).
    dayInput.value = day;
    dayInput.addEventListener("change", function () {
        day = dayInput.value && dayInput.value <= today ? dayInput.value : "";
        history = null;
        body.replayDay = day;
        var url = new URL(location.href);
        if (day) { url.searchParams.set("day", day); } else { url.searchParams.delete("day"); }
        window.history.replaceState(null, "", url);
        showTicks();
        if (day) { input.value = "0"; }
        choose(input.value);
    });
    body.replayDay = day;
    showTicks();
    input.addEventListener("input", function () { choose(input.value); });
    function recolourLines(lines) {
        var changed = 0;
        BL.rows.forEach(function (row) {
            var q = lines[row[3]];
            if (q !== undefined && q !== row[6]) { row[6] = q; changed++; }
        });
        if (changed) { BL.drawLines(); }
    }
    function refresh() {
        var began = performance.now();
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
                if (row[7] && m.options.fillColor === BL.opening[row[7]]) { opening[row[7]]++; }
            });
            body.opening = Object.keys(opening).map(function (k) {
                return k + ":" + opening[k];
            }).join(",");
            BL.refreshes = (BL.refreshes || 0) + 1;
            body.refreshes = String(BL.refreshes);
            age.textContent = T.updated + " " + when(data.at_ms);
            if (BL.summarise) { BL.summarise(data.at_ms); }
            if (BL.alarms) { BL.alarms.refresh(); }
            if (BL.site) { BL.site.refresh(); }
            performance.measure("bl-refresh", {start: began});  // fetched and repainted
        }).catch(function (e) { age.textContent = T.update_failed; console.warn(e.message); });
    }
    BL.refreshNow = refresh;  // what every tick does, at once (tests, a monitoring script)
    function tick() { refresh().then(function () { setTimeout(tick, cfg.every * 1000); }); }
    setTimeout(tick, 1000);
    body.slider = "ready";
    var start = params.get("replay");
    if (start !== null && Number(start) >= 0 && Number(start) < cfg.hours) {
        input.value = start;
        choose(start);
    } else {
        showLive();
    }
})(%(map)s, %(cluster)s, %(config)s);
