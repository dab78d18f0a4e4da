(function (map, cluster, cfg) {
    // Find a site by its id, name or city (Chinese names too): up to 10 matches as buttons;
    // choosing one (a click, or Enter for the first) zooms to it and opens its panel.
    var BL = window.BL, body = document.body.dataset, T = cfg.words;
    var box = BL.panel(map, {position: "topleft", cls: "bl-search", role: "search",
        css: "padding:6px;font:13px/1.4 system-ui,sans-serif;width:280px"});
    var input = L.DomUtil.create("input", "bl-search-input", box);
    input.type = "search";
    input.placeholder = T.search;
    input.setAttribute("aria-label", T.search);
    input.style.cssText = "width:100%%;box-sizing:border-box;padding:4px;font:inherit";
    var list = L.DomUtil.create("ul", "bl-search-results", box);
    list.style.cssText = "list-style:none;margin:4px 0 0;padding:0;max-height:40vh;overflow:auto";
    var haystack = null;  // built at the first search: id, name and city of every row
    function matches(query) {
        if (!haystack) {
            haystack = BL.rows.map(function (row) {
                return [row, (row[3] + " " + row[4] + " " + (row[8] || "")).toLowerCase()];
            });
        }
        var q = query.trim().toLowerCase(), found = [];
        if (!q) { return found; }
        for (var i = 0; i < haystack.length && found.length < 10; i++) {
            if (haystack[i][1].indexOf(q) >= 0) { found.push(haystack[i][0]); }
        }
        return found;
    }
    function choose(row) {
        BL.reveal(row[3]);
        body.selected = row[3];
    }
    function show() {
        var found = matches(input.value);
        list.innerHTML = "";
        found.forEach(function (row) {
            var li = L.DomUtil.create("li", "", list);
            var b = L.DomUtil.create("button", "bl-search-hit", li);
            b.type = "button";
            b.dataset.site = row[3];
            b.style.cssText = "display:block;width:100%%;text-align:left;border:0;" +
                "background:none;padding:3px 2px;cursor:pointer;font:inherit";
            b.innerHTML = "<span style='color:" + BL.colours[row[2]] + "' aria-hidden='true'>" +
                BL.shapes[row[2]] + "</span> " + BL.esc(row[4]) +
                " <span style='color:#56636f'>" + BL.esc(row[8] || "") + " \u00b7 " +
                BL.esc(row[3]) + "</span>";
            b.addEventListener("click", function () { choose(row); });
        });
        if (input.value.trim() && !found.length) {
            list.innerHTML = "<li style='color:#56636f'>" + BL.esc(T.nothing) + "</li>";
        }
        body.searchHits = found.map(function (row) { return row[3]; }).join(",");
    }
    input.addEventListener("input", show);
    input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") {
            var found = matches(input.value);
            if (found.length) { choose(found[0]); }
        } else if (e.key === "Escape") {
            input.value = "";
            show();
        }
    });
})(%(map)s, %(cluster)s, %(config)s);
