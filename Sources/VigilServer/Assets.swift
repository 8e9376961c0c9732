// The stylesheet and the little script the pages use, compiled in: nothing is read from disk, so no
// request path can reach the file system.

enum Assets {
    static func response(_ name: String) -> SiteResponse {
        switch name {
        case "vigil.css": SiteResponse(contentType: "text/css; charset=utf-8", body: Array(css.utf8), headers: [])
        case "vigil.js": SiteResponse(contentType: "text/javascript; charset=utf-8", body: Array(js.utf8), headers: [])
        default: .plain(404, "not found")
        }
    }

    static let css = """
        :root { font-family: system-ui, "DejaVu Sans", sans-serif; font-size: 14px; color: #222; }
        body { margin: 0; background: #fafafa; }
        header { display: flex; gap: 1.5em; align-items: center; padding: .5em 1em; background: #263238; color: #eceff1; }
        header a { color: #eceff1; text-decoration: none; margin-right: 1em; }
        header a.active { border-bottom: 2px solid #fdd835; }
        header .brand { font-weight: bold; font-size: 1.2em; }
        header .snapshot { margin-left: auto; font-size: .85em; color: #b0bec5; }
        main { padding: 0 1em 2em; }
        footer { padding: 1em; color: #777; font-size: .85em; }
        h1 { font-size: 1.4em; margin: .6em 0 .2em; }
        h2 { font-size: 1.1em; }
        table { border-collapse: collapse; margin: .5em 0; background: #fff; }
        th, td { border: 1px solid #ddd; padding: .25em .5em; text-align: left; vertical-align: top; }
        td.path { font-family: monospace; font-size: .9em; word-break: break-all; }
        .filters { display: flex; flex-wrap: wrap; gap: .8em; align-items: center; margin: .5em 0; }
        .legend { margin: .5em 0 .8em; font-size: .9em; }
        .swatch { display: inline-block; width: 1em; height: 1em; border: 1px solid #999; vertical-align: middle; margin: 0 .3em 0 .6em; }
        .pill { padding: .05em .5em; border-radius: .6em; border: 1px solid #999; }
        .matrix { display: flex; gap: 4px; align-items: flex-start; overflow-x: auto; }
        .tactic { flex: 0 0 9.5em; min-width: 9.5em; }
        .tactic h2 { font-size: .85em; background: #37474f; color: #fff; padding: .4em; margin: 0 0 3px; min-height: 2.4em; }
        .tactic .count { font-size: .75em; color: #777; margin: .2em 0; }
        .technique { margin-bottom: 2px; }
        .cell { display: block; padding: 2px 4px; border: 1px solid #bbb; font-size: .72em; line-height: 1.25; color: #111; text-decoration: none; background: #fff; }
        .cell .id { font-weight: bold; }
        .cell .score { float: right; font-weight: bold; }
        .l-critical { fill: #7f0000; background: #7f0000; color: #fff; }
        .l-high { fill: #d7301f; background: #d7301f; color: #fff; }
        .l-medium { fill: #fc8d59; background: #fc8d59; }
        .l-low { fill: #fdcc8a; background: #fdcc8a; }
        .l-informational { fill: #bdbdbd; background: #bdbdbd; }
        span.level { padding: 0 .4em; border-radius: .3em; }
        .o1 { background: #fff7ec; } .o2 { background: #fdd49e; } .o3 { background: #fc8d59; }
        .o4 { background: #d7301f; color: #fff; } .o5 { background: #7f0000; color: #fff; }
        table.fields th { text-align: left; vertical-align: top; padding-right: 1em; }
        table.fields td { word-break: break-all; }
        .badge { font-weight: bold; padding: 0 .25em; border-radius: .3em; background: #fff; }
        .badge.validated, .pill.validated { color: #006d2c; border-color: #006d2c; }
        .badge.missed, .pill.missed { color: #b2182b; border-color: #b2182b; }
        .cell.used { outline: 3px solid #6a1b9a; outline-offset: -3px; }
        .cell.dim { opacity: .35; }
        .cell.hidden, .technique.hidden { display: none; }
        details.subs { margin-left: .6em; }
        details.subs summary { font-size: .7em; color: #555; cursor: pointer; }
        .s-green { background: #31a354; color: #fff; }
        .s-yellow { background: #fdd835; }
        .s-red { background: #e53935; color: #fff; }
        .s-white { background: #fff; }
        .s-accepted { background: #90a4ae; }
        .d0 { background: #fff; } .d1 { background: #e5f5e0; } .d2 { background: #c7e9c0; } .d3 { background: #74c476; }
        .d4 { background: #31a354; color: #fff; } .d5 { background: #006d2c; color: #fff; }
        .v0 { background: #fff; } .v1 { background: #deebf7; } .v2 { background: #9ecae1; } .v3 { background: #3182bd; color: #fff; }
        .v4 { background: #08519c; color: #fff; }
        .a0 { background: #fff; } .a1 { background: #fee6ce; } .a2 { background: #fdae6b; } .a3 { background: #fd8d3c; }
        .a4 { background: #e6550d; color: #fff; } .a5 { background: #a63603; color: #fff; }
        .reasons li { margin: .2em 0; }
        tr.missing td:nth-child(2) { color: #c62828; font-weight: bold; }
        tr.have td:nth-child(2) { color: #2e7d32; font-weight: bold; }
        .expired { color: #c62828; }
        .accepted { background: #eceff1; padding: .2em 1em; border-left: 4px solid #90a4ae; }
        svg.chart { background: #fff; border: 1px solid #ddd; max-width: 100%; height: auto; }
        .caption { font-size: .85em; color: #666; }
        """

    /// Enhancements only: every page works without it (filters are a plain GET form, sub-techniques use <details>).
    static let js = """
        "use strict";
        document.addEventListener("DOMContentLoaded", function () {
          var form = document.querySelector("form.filters");
          if (form) {
            form.querySelectorAll("select").forEach(function (s) {
              s.addEventListener("change", function () { form.submit(); });
            });
          }
          var expand = document.getElementById("expand");
          if (expand) {
            expand.addEventListener("click", function () {
              var subs = document.querySelectorAll("details.subs");
              var open = !Array.prototype.every.call(subs, function (d) { return d.open; });
              subs.forEach(function (d) { d.open = open; });
              expand.textContent = open ? "Collapse all" : "Expand all";
            });
          }
          var find = document.getElementById("find");
          if (find) {
            find.addEventListener("input", function () {
              var q = find.value.trim().toLowerCase();
              document.querySelectorAll("#matrix .technique").forEach(function (t) {
                var hit = !q || t.textContent.toLowerCase().indexOf(q) >= 0;
                t.classList.toggle("hidden", !hit);
                if (q && hit) { var d = t.querySelector("details"); if (d) { d.open = true; } }
              });
            });
          }
        });
        """
}
