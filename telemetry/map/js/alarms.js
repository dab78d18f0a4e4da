(function (map, cfg) {
    // The alarm panel: the open alarms the viewer may see, the most severe first, each with
    // its site (a button: zoom to the site and open its panel) and, for an operator, an
    // "acknowledge" button. Kept current by live.js (BL.alarms.refresh() after each refresh).
    var BL = window.BL, body = document.body.dataset, T = cfg.words;
    var panel = BL.panel(map, {position: "bottomright", cls: "bl-alarms", role: "region",
        label: T.alarms, css: "font:12px/1.4 system-ui,sans-serif;width:330px;" +
        "max-height:40vh;overflow:auto"});
    panel.innerHTML = "<div><b>" + BL.esc(T.alarms) + "</b> <span class='bl-alarm-total'>" +
        "</span><span style='float:right;color:#56636f'>" + BL.esc(T.zone + " " + cfg.zone) +
        "</span></div><ol class='bl-alarm-list' style='margin:4px 0;padding-left:0;" +
        "list-style:none'></ol>";
    var list = panel.querySelector(".bl-alarm-list");
    var total = panel.querySelector(".bl-alarm-total");
    var colours = {critical: "#b71c1c", major: "#e65100", minor: "#8d6e00", warning: "#455a64"};
    function time(iso) {
        var d = new Date(iso);
        return d.toLocaleString(T.locale, {month: "2-digit", day: "2-digit", hour: "2-digit",
                                           minute: "2-digit", timeZone: cfg.zone});
    }
    function show(data) {
        total.textContent = "(" + data.total.toLocaleString(T.locale) + ")";
        list.innerHTML = "";
        data.alarms.forEach(function (a) {
            var li = L.DomUtil.create("li", "bl-alarm", list);
            li.dataset.alarm = String(a.id);
            li.style.cssText = "border-top:1px solid #eceff1;padding:3px 0";
            var acked = a.acknowledged_at !== null;
            li.innerHTML = "<span style='color:#fff;background:" + colours[a.severity] +
                ";border-radius:3px;padding:0 4px'>" + BL.esc(T.severity[a.severity]) +
                "</span> <button type='button' class='bl-alarm-site' style='border:0;" +
                "background:none;color:#0b5cad;cursor:pointer;padding:0;font:inherit'>" +
                BL.esc(a.site_name || a.site) + "</button> " +
                "<span style='color:#56636f'>" + BL.esc(time(a.raised_at)) + "</span><br>" +
                BL.esc(a.message) + (acked ? " <i>(" + BL.esc(T.acked) + " " +
                BL.esc(a.acknowledged_by) + ")</i>" : "");
            li.querySelector(".bl-alarm-site").addEventListener("click", function () {
                BL.reveal(a.site);
            });
            if (data.operator && !acked) {
                var ack = L.DomUtil.create("button", "bl-ack", li);
                ack.type = "button";
                ack.textContent = T.ack;
                ack.style.cssText = "margin-left:6px;font:inherit;cursor:pointer";
                ack.addEventListener("click", function () { acknowledge(a.id, ack); });
            }
        });
        body.alarms = String(data.alarms.length);
        body.alarmIds = data.alarms.map(function (a) { return a.id; }).join(",");
    }
    function acknowledge(id, button) {
        button.disabled = true;
        fetch(cfg.alarms.replace("alarms.json", "alarms/" + id + "/acknowledge"), {
            method: "POST", credentials: "same-origin",
            headers: {"X-Requested-With": "branchline"}
        }).then(function (r) {
            if (!r.ok) { throw new Error("acknowledge answered " + r.status); }
            body.acknowledged = String(id);
            return refresh();
        }).catch(function (e) { button.disabled = false; console.warn(e.message); });
    }
    function refresh() {
        return fetch(cfg.alarms, {credentials: "same-origin", cache: "no-store"})
            .then(function (r) {
                if (!r.ok) { throw new Error("alarms answered " + r.status); }
                return r.json();
            }).then(show).catch(function (e) { console.warn(e.message); });
    }
    // The first fetch comes with the page's first status refresh (live.js, a second after the
    // page loads), not while the page is still loading its scripts and the land.
    BL.alarms = {refresh: refresh};
})(%(map)s, %(config)s);
