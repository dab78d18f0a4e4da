(function (map, cfg) {
    // The sites the filters leave, as a table (?view=table, or the button beside the filters):
    // the worst state first, then by id; each id a button that shows the site on the map. At
    // most cfg.max_rows rows, with how many more there are.
    var BL = window.BL, body = document.body.dataset, T = cfg.words;
    var worst = [3, 2, 1, 0];  // down, degraded, no data, normal: rank by status code
    var on = new URLSearchParams(location.search).get("view") === "table";
    var toggle = L.DomUtil.create("button", "bl-table-toggle", document.querySelector(".bl-filters"));
    toggle.type = "button";
    toggle.textContent = T.table;
    toggle.style.cssText = "border:1px solid #b0bec5;border-radius:4px;background:#fff;" +
        "padding:2px 8px;cursor:pointer;font:inherit;color:inherit";
    var panel = BL.panel(map, {position: "bottomleft", cls: "bl-table", role: "region",
        label: T.table, css: "font:12px/1.4 system-ui,sans-serif;max-height:45vh;" +
        "max-width:70vw;overflow:auto;display:none"});
    var last = [];
    function rank(row) { return worst.indexOf(row[2]); }
    function render(rows) {
        last = rows;
        if (!on) { return; }
        var sorted = rows.slice().sort(function (a, b) {
            return rank(a) - rank(b) || (a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0);
        });
        var shown = sorted.slice(0, cfg.max_rows);
        var html = "<table><thead><tr><th>" + [T.state, T.id, T.name, T.city, T.class]
            .map(BL.esc).join("</th><th>") + "</th></tr></thead><tbody>";
        shown.forEach(function (row) {
            html += "<tr><td><span aria-hidden='true' style='color:" + BL.colours[row[2]] + "'>" +
                BL.shapes[row[2]] + "</span> " + BL.esc(T.status[row[2]]) + "</td>" +
                "<td><button type='button' class='bl-table-site' data-site='" + BL.esc(row[3]) +
                "'>" + BL.esc(row[3]) + "</button></td><td>" + BL.esc(row[4]) + "</td><td>" +
                BL.esc(row[8] || "") + "</td><td>" + BL.esc(row[9] || "") + "</td></tr>";
        });
        html += "</tbody></table>";
        if (sorted.length > shown.length) {
            html += "<p>" + BL.esc(T.more.replace("{n}", String(sorted.length - shown.length))) +
                "</p>";
        }
        panel.innerHTML = html;
        body.tableRows = String(shown.length);
        body.tableFirst = shown.length ? shown[0][3] : "";
    }
    panel.addEventListener("click", function (e) {
        var site = e.target && e.target.dataset ? e.target.dataset.site : null;
        if (site) { BL.reveal(site); }
    });
    function show(visible) {
        on = visible;
        panel.style.display = on ? "block" : "none";
        toggle.setAttribute("aria-pressed", on ? "true" : "false");
        var url = new URL(location.href);
        if (on) { url.searchParams.set("view", "table"); } else { url.searchParams.delete("view"); }
        history.replaceState(null, "", url);
        if (on) { render(last); }
    }
    toggle.addEventListener("click", function () { show(!on); });
    BL.filtered = render;
    show(on);
    BL.refilter();
})(%(map)s, %(config)s);
