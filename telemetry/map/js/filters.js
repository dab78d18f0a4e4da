(function (map, cfg) {
    // Filters beside the summary: branch class, carrier, transport and "problems only"
    // (degraded, down, or an opening that failed). They combine with the summary's state
    // filter (summary.js asks BL.passes for each site) and stay in the address (?class=B&
    // carrier=...&transport=...&problems=1), so a filtered view can be shared.
    var BL = window.BL, body = document.body.dataset, T = cfg.words;
    var params = new URLSearchParams(location.search);
    var state = {class: params.get("class") || "", carrier: params.get("carrier") || "",
                 transport: params.get("transport") || "", problems: params.get("problems") === "1"};
    var box = BL.panel(map, {position: "topright", cls: "bl-filters", role: "group",
        label: T.filters, css: BL.barCss});
    function select(key, label, values, names) {
        var s = L.DomUtil.create("select", "bl-filter", box);
        s.name = key;
        s.setAttribute("aria-label", label);
        var all = document.createElement("option");
        all.value = "";
        all.textContent = label + ": " + T.all;
        s.appendChild(all);
        values.forEach(function (v) {
            var o = document.createElement("option");
            o.value = v;
            o.textContent = (names && names[v]) || v;
            s.appendChild(o);
        });
        if (values.indexOf(state[key]) < 0) { state[key] = ""; }
        s.value = state[key];
        s.addEventListener("change", function () { state[key] = s.value; apply(); });
    }
    select("class", T.class, ["A", "B", "C"]);
    select("carrier", T.carrier, cfg.carriers, T.carrier_names);
    select("transport", T.transport, cfg.transports, T.transport_names);
    var label = L.DomUtil.create("label", "", box);
    var check = L.DomUtil.create("input", "bl-problems", label);
    check.type = "checkbox";
    check.checked = state.problems;
    label.appendChild(document.createTextNode(" " + T.problems));
    check.addEventListener("change", function () { state.problems = check.checked; apply(); });
    // Every hub line, not only the selected site's or cluster's (after.js).
    var linesLabel = L.DomUtil.create("label", "", box);
    var lines = L.DomUtil.create("input", "bl-all-lines", linesLabel);
    lines.type = "checkbox";
    lines.checked = BL.allLines;
    linesLabel.appendChild(document.createTextNode(" " + T.all_lines));
    lines.addEventListener("change", function () {
        BL.allLines = lines.checked;
        var url = new URL(location.href);
        if (BL.allLines) { url.searchParams.set("lines", "all"); }
        else { url.searchParams.delete("lines"); }
        history.replaceState(null, "", url);
        BL.drawLines();
    });
    BL.passes = function (row) {
        var t = cfg.transports.indexOf(state.transport), c = cfg.carriers.indexOf(state.carrier);
        if (state.class && row[9] !== state.class) { return false; }
        if (t >= 0 && !(row[10] & (1 << t))) { return false; }
        if (c >= 0 && !(row[11] & (1 << c))) { return false; }
        if (state.problems && row[2] < 2 && row[7] !== "failed") { return false; }
        return true;
    };
    function apply() {
        var url = new URL(location.href);
        ["class", "carrier", "transport"].forEach(function (key) {
            if (state[key]) { url.searchParams.set(key, state[key]); }
            else { url.searchParams.delete(key); }
        });
        if (state.problems) { url.searchParams.set("problems", "1"); }
        else { url.searchParams.delete("problems"); }
        history.replaceState(null, "", url);
        body.filters = [state.class, state.carrier, state.transport,
                        state.problems ? "problems" : ""].join("|");
        BL.refilter();
    }
    apply();
})(%(map)s, %(config)s);
