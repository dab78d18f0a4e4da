(function (map, cfg) {
    // The site panel, in place of a popup: opened by a marker's click, by BL.reveal (search,
    // table, alarms) or by ?site=<id> in the address. It shows the site's state and reasons,
    // its links' live figures, charts of each link over a chosen period (1 h / 24 h / 7 d /
    // 30 d, from the map's history route), its applications with their link and why, its
    // latest path changes and its open alarms. live.js calls BL.site.refresh() after each
    // status refresh: the figures are fetched again and redrawn in place (scroll kept). While
    // the map replays an hour, the panel says so: its figures stay live.
    var BL = window.BL, body = document.body.dataset, T = cfg.words;
    var headers = {};
    var token = new URLSearchParams(location.search).get("token");
    if (token) { headers.Authorization = "Bearer " + token; }
    var PERIODS = ["hour", "day", "week", "month"];
    var METRICS = [["latency_ms", T.latency, " ms", 1], ["jitter_ms", T.jitter, " ms", 1],
                   ["loss_pct", T.loss, " %%", 2], ["utilization", T.utilization, " %%", 0]];
    var LINK_COLOURS = ["#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037"];
    var esc = BL.esc;
    var panel = L.DomUtil.create("aside", "bl-site", map.getContainer());
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", T.site_panel);
    panel.hidden = true;
    // On the left, under the search box and over the replay control: the summary, filters and
    // alarms keep the right-hand side.
    panel.style.cssText = "position:absolute;z-index:1001;left:10px;top:130px;width:400px;" +
        "max-width:calc(100%% - 20px);max-height:calc(100%% - 285px);overflow:auto;" +
        "background:#fff;color:#1d2733;border-radius:4px;box-shadow:0 1px 6px rgba(0,0,0,.35);" +
        "padding:8px 10px;font:12px/1.45 system-ui,sans-serif";
    L.DomEvent.disableClickPropagation(panel);
    L.DomEvent.disableScrollPropagation(panel);
    var current = null, period = "day", details = null, series = null, loads = 0;
    function get(url) {
        return fetch(url, {headers: headers, cache: "no-store"}).then(function (r) {
            if (!r.ok) { throw new Error(url.split("?")[0] + " answered " + r.status); }
            return r.json();
        });
    }
    function when(ms, withDate) {
        var o = {hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: cfg.zone};
        if (withDate) { o.month = "2-digit"; o.day = "2-digit"; }
        return new Date(ms).toLocaleString(T.locale, o);
    }
    function figure(v, digits, unit) {
        return v === null || v === undefined ? "\u2013" : v.toFixed(digits) + unit;
    }
    function rowOf(id) {
        for (var i = 0; i < BL.rows.length; i++) { if (BL.rows[i][3] === id) { return BL.rows[i]; } }
        return null;
    }
    function section(title, inner) {
        return "<h3 style='font-size:12px;margin:8px 0 2px'>" + esc(title) + "</h3>" + inner;
    }
    function header(row, d) {
        var code = BL.names.indexOf(d.status);
        var replaying = body.replay && body.replay !== "live";
        return "<div style='display:flex;align-items:start;gap:6px'>" +
            "<h2 tabindex='-1' class='bl-site-title' style='font-size:14px;margin:0;flex:1'>" +
            esc(row ? row[4] : d.site) + " <span style='font-weight:400;color:#56636f'>" +
            esc(d.site) + (row && row[8] ? " \u00b7 " + esc(row[8]) : "") +
            (row && row[9] ? " \u00b7 " + esc(T.class) + " " + esc(row[9]) : "") +
            "</span></h2><button type='button' class='bl-site-close' aria-label='" +
            esc(T.close) + "' style='border:0;background:none;font-size:16px;cursor:pointer;" +
            "line-height:1'>\u00d7</button></div>" +
            "<div class='bl-site-status' data-status='" + esc(d.status) + "'>" +
            "<span aria-hidden='true' style='color:" + BL.colours[code] + "'>" +
            BL.shapes[code] + "</span> " + esc(T.status[code]) + " <span style='color:#56636f'>" +
            esc(T.at) + " " + esc(when(d.at_ms, true)) + " (" + esc(cfg.zone) + ")</span></div>" +
            (d.reasons.length ? "<ul class='bl-site-reasons' style='margin:2px 0;" +
                "padding-left:16px'>" + d.reasons.map(function (r) {
                    return "<li>" + esc(r) + "</li>";
                }).join("") + "</ul>" : "") +
            (replaying ? "<p class='bl-site-replay' style='margin:4px 0;padding:2px 6px;" +
                "background:#fff8e1;border-left:3px solid #f9a825'>" +
                esc(T.replay_note.replace("{when}", when(Number(body.replay), true))) +
                "</p>" : "");
    }
    function links(d) {
        var rows = d.links.map(function (k, i) {
            return "<tr data-link='" + esc(k.id) + "'><td><span style='color:" +
                LINK_COLOURS[i %% LINK_COLOURS.length] + "'>\u25a0</span> " + esc(k.id) +
                "</td><td data-metric='state'>" + esc(T.link_states[k.state] || k.state) + "</td>" +
                METRICS.map(function (m) {
                    var v = k[m[0]];
                    if (m[0] === "utilization" && v !== null) { v = v * 100; }
                    return "<td data-metric='" + m[0] + "' style='text-align:right'>" +
                        figure(v, m[3], m[2]) + "</td>";
                }).join("") + "</tr>";
        }).join("");
        return "<table class='bl-site-links' style='width:100%%;border-collapse:collapse'>" +
            "<thead><tr style='color:#56636f;text-align:left'><th>" + esc(T.link) + "</th><th>" +
            esc(T.state) + "</th>" + METRICS.map(function (m) {
                return "<th style='text-align:right'>" + esc(m[1]) + "</th>";
            }).join("") + "</tr></thead><tbody>" + rows + "</tbody></table>";
    }
    function chart(metric, s) {
        // The whole period across, the data where it is: an hour of data in a 30-day chart
        // is a dot at its end, not a chart of that hour.
        var W = 380, H = 54, names = Object.keys(s.links), t0 = s.from_ms, t1 = s.to_ms;
        var top = metric[0] === "utilization" ? 1 : 0, points = 0;
        names.forEach(function (n) {
            s.links[n][metric[0]].forEach(function (v) { top = Math.max(top, v); });
        });
        top = top > 0 ? top : 1;
        var lines = names.map(function (n) {
            var l = s.links[n], segments = [], last = null;
            var colour = LINK_COLOURS[details ? Math.max(0, details.links.map(function (k) {
                return k.id;
            }).indexOf(n)) %% LINK_COLOURS.length : 0];
            l.t.forEach(function (t, i) {
                // A gap of more than two windows is drawn as a gap, not a line across it.
                if (last === null || t - last > 2 * s.window_s * 1000) { segments.push([]); }
                segments[segments.length - 1].push([
                    ((t - t0) / Math.max(1, t1 - t0) * W).toFixed(1),
                    (H - 2 - l[metric[0]][i] / top * (H - 6)).toFixed(1)]);
                last = t;
                points++;
            });
            // A window alone (a gap on each side) is a dot: a line needs two.
            return segments.map(function (seg) {
                if (seg.length === 1) {
                    return "<circle cx='" + seg[0][0] + "' cy='" + seg[0][1] + "' r='2.5' " +
                        "fill='" + colour + "'><title>" + esc(n) + "</title></circle>";
                }
                return "<polyline points='" + seg.map(function (p) { return p.join(","); })
                    .join(" ") + "' fill='none' stroke='" + colour + "' stroke-width='1.5'>" +
                    "<title>" + esc(n) + "</title></polyline>";
            }).join("");
        }).join("");
        var shown = metric[0] === "utilization" ? top * 100 : top;
        return "<figure style='margin:4px 0'><figcaption style='display:flex;" +
            "justify-content:space-between;color:#56636f'><span>" + esc(metric[1]) + "</span>" +
            "<span>" + esc(T.max) + " " + shown.toFixed(metric[3]) + metric[2] + "</span>" +
            "</figcaption><svg class='bl-chart' data-metric='" + metric[0] + "' data-points='" +
            points + "' viewBox='0 0 " + W + " " + H + "' width='100%%' height='" + H +
            "' role='img' aria-label='" + esc(metric[1]) + "' style='background:#f7f9fa;" +
            "border-bottom:1px solid #b0bec5'>" + lines + "</svg>" +
            "<div style='display:flex;justify-content:space-between;color:#56636f'><span>" +
            esc(when(t0, true)) + "</span><span>" + esc(when(t1, true)) + "</span></div></figure>";
    }
    function charts(s) {
        var buttons = PERIODS.map(function (p, i) {
            var on = p === period;
            return "<button type='button' class='bl-period' data-period='" + p + "' " +
                "aria-pressed='" + on + "' style='border:1px solid #b0bec5;border-radius:4px;" +
                "background:" + (on ? "#e3f2fd" : "#fff") + ";font:inherit;padding:0 6px;" +
                "cursor:pointer'>" + esc(T.periods[i]) + "</button>";
        }).join(" ");
        var inner = !s ? "<p>" + esc(T.loading) + "</p>" :
            !Object.keys(s.links).length ? "<p class='bl-no-history'>" + esc(T.no_history) +
                "</p>" : METRICS.map(function (m) { return chart(m, s); }).join("");
        return "<div role='group' aria-label='" + esc(T.period) + "'>" + buttons + "</div>" +
            "<div class='bl-charts'>" + inner + "</div>";
    }
    function apps(d) {
        return "<table class='bl-site-apps' style='width:100%%;border-collapse:collapse'>" +
            d.applications.map(function (a) {
                return "<tr data-app='" + esc(a.name) + "' data-link='" + esc(a.link || "") +
                    "' style='border-top:1px solid #eceff1;vertical-align:top'><td>" +
                    esc(a.name) + "</td><td>" + (a.link ? esc(a.link) : "<i>" + esc(T.none) +
                    "</i>") + "</td><td style='color:#56636f'>" + esc(a.reason) + "</td></tr>";
            }).join("") + "</table>";
    }
    function changes(d) {
        if (!d.changes.length) { return "<p>" + esc(T.none) + "</p>"; }
        return "<ol class='bl-site-changes' style='margin:0;padding-left:0;list-style:none'>" +
            d.changes.map(function (c) {
                return "<li style='border-top:1px solid #eceff1'>" + esc(when(c.at_ms, true)) +
                    " " + esc(c.app) + ": " + esc(c.from || "\u2013") + " \u2192 " +
                    esc(c.to || "\u2013") + "<br><span style='color:#56636f'>" + esc(c.reason) +
                    "</span></li>";
            }).join("") + "</ol>";
    }
    function alarms(d) {
        if (!d.alarms.length) { return "<p>" + esc(T.none) + "</p>"; }
        return "<ul class='bl-site-alarms' style='margin:0;padding-left:16px'>" +
            d.alarms.map(function (a) {
                return "<li><b>" + esc(T.severity[a.severity] || a.severity) + "</b> " +
                    esc(a.kind) + (a.link ? " " + esc(a.link) : "") + ": " + esc(a.message) +
                    "</li>";
            }).join("") + "</ul>";
    }
    function render() {
        if (!details) { return; }
        var scroll = panel.scrollTop, focused = document.activeElement;
        var focusedPeriod = focused && focused.dataset ? focused.dataset.period : null;
        panel.innerHTML = header(rowOf(current), details) +
            section(T.links, links(details)) + charts(series) +
            section(T.apps, apps(details)) + section(T.changes, changes(details)) +
            section(T.open_alarms, alarms(details));
        panel.scrollTop = scroll;
        panel.querySelector(".bl-site-close").addEventListener("click", close);
        panel.querySelectorAll(".bl-period").forEach(function (b) {
            b.addEventListener("click", function () { choose(b.dataset.period); });
            if (b.dataset.period === focusedPeriod) { b.focus(); }
        });
        body.sitePanel = current;
        body.sitePeriod = period;
        body.siteLoads = String(loads);
    }
    function load(withSeries) {
        var id = current;
        var got = [get(cfg.site + encodeURIComponent(id) + ".json")];
        if (withSeries) {
            got.push(get(cfg.site + encodeURIComponent(id) + "/history.json?period=" + period));
        }
        return Promise.all(got).then(function (r) {
            if (current !== id) { return; }  // another site was opened meanwhile
            details = r[0];
            if (withSeries) { series = r[1]; }
            loads++;
            render();
        }).catch(function (e) {
            body.siteError = e.message;
            console.warn(e.message);
        });
    }
    function choose(p) {
        period = p;
        series = null;
        render();
        return load(true);
    }
    function keep(id) {
        var url = new URL(location.href);
        if (id === null) { url.searchParams.delete("site"); }
        else { url.searchParams.set("site", id); }
        history.replaceState(null, "", url);
    }
    function open(id) {
        if (current !== id) { details = null; series = null; }
        current = id;
        panel.hidden = false;
        keep(id);
        BL.selectLines([id]);  // its lines to its hubs (after.js)
        panel.innerHTML = "<p>" + esc(T.loading) + "</p>";
        return load(true).then(function () {
            var title = panel.querySelector(".bl-site-title");
            if (title) { title.focus(); }
        });
    }
    function close() {
        current = null;
        panel.hidden = true;
        keep(null);
        BL.selectLines(null);
        body.sitePanel = "";
        map.getContainer().focus();
    }
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); } });
    BL.site = {
        open: open,
        close: close,
        // After a status refresh: the details again, and the last hour's chart (the others
        // move by one window in five minutes or more: left as they are).
        refresh: function () { return current ? load(period === "hour") : Promise.resolve(); },
        replayed: render
    };
    var asked = new URLSearchParams(location.search).get("site");
    if (asked && rowOf(asked)) { BL.reveal(asked); }  // zoomed to, and its panel open
    performance.mark("bl-ready");  // the page's last script has run (bench/bench_console.py)
})(%(map)s, %(config)s);
