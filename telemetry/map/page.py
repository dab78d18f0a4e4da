"""Build the map page: folium with local assets, a FastMarkerCluster of circle markers coloured
by health, hub-spoke lines coloured by quality, and an offline base layer."""

from __future__ import annotations

import json
from collections.abc import Mapping

import folium
from branca.element import MacroElement
from folium.plugins import FastMarkerCluster
from jinja2 import Template

from sites.inventory import Inventory
from telemetry.health import HealthSnapshot
from telemetry.map.assets import ICON, MapAssets, MapOptions, MapRoutes
from telemetry.map.replay import BUCKET, SPAN
from telemetry.map.rows import MapData, map_data
from telemetry.map.scripts import callback, script

WORDS: dict[str, dict[str, object]] = {
    "zh": {"html_lang": "zh-CN", "locale": "zh-CN", "title": "Branchline 网点健康地图",
           "summary": "各状态网点数", "status": ["正常", "无数据", "降级", "故障"],
           "age": "数据时间", "stale": "数据已过时：", "alarms": "告警", "ack": "确认",
           "zone": "时区", "acked": "已确认：", "search": "搜索网点：编号、名称或城市",
           "nothing": "没有匹配的网点", "filters": "筛选", "all": "全部", "class": "网点级别",
           "carrier": "运营商", "transport": "线路类型", "problems": "只看有问题的",
           "all_lines": "全部枢纽连线",
           "table": "列表", "id": "编号", "state": "状态", "name": "名称", "city": "城市",
           "more": "另有 {n} 个网点未列出（请缩小筛选范围）",
           "carrier_names": {"China Telecom": "中国电信", "China Unicom": "中国联通",
                             "China Mobile": "中国移动"},
           "transport_names": {"MSTP": "MSTP 专线", "MPLS": "MPLS VPN", "Internet": "互联网",
                               "LTE": "LTE 4G"},
           "severity": {"critical": "紧急", "major": "重要", "minor": "次要", "warning": "提示"},
           "site_panel": "网点详情", "close": "关闭", "max": "最大", "at": "数据时间",
           "links": "线路",
           "link": "线路", "latency": "时延", "jitter": "抖动", "loss": "丢包",
           "utilization": "利用率", "apps": "应用（当前线路与原因）", "changes": "最近的路径切换",
           "open_alarms": "未恢复告警", "none": "无", "loading": "加载中…",
           "period": "时间范围", "periods": ["1 小时", "24 小时", "7 天", "30 天"],
           "no_history": "此时间范围内没有历史数据",
           "replay_note": "地图正在回放 {when} 的状态；本面板的数据为实时数据。",
           "link_states": {"up": "正常", "down": "中断", "no-data": "无数据"},
           "replay": "健康回放", "day": "日期", "replay_hour": "回放的小时", "live": "实时",
           "updated": "更新于", "update_failed": "更新失败",
           "replay_label": "{from}–{to}（{zone}，每小时平均值）",
           "live_label": "实时（时区 {zone}）",
           "no_history_hour": "这一小时没有任何网点上报数据", "replay_unavailable": "回放不可用"},
    "en": {"html_lang": "en", "locale": "en", "title": "Branchline site health map",
           "summary": "Sites by state", "status": ["Normal", "No data", "Degraded", "Down"],
           "age": "data age", "stale": "data is stale:", "alarms": "Alarms",
           "ack": "Acknowledge", "zone": "times in",
           "search": "Find a site: id, name or city", "nothing": "No site matches",
           "acked": "acknowledged by", "filters": "Filters", "all": "all",
           "class": "Branch class", "carrier": "Carrier", "transport": "Transport",
           "problems": "Problems only", "all_lines": "All hub lines",
           "carrier_names": {}, "transport_names": {},
           "table": "Table", "id": "Id", "state": "State", "name": "Name", "city": "City",
           "more": "{n} more sites not listed (narrow the filters)",
           "severity": {"critical": "Critical", "major": "Major", "minor": "Minor",
                        "warning": "Warning"},
           "site_panel": "Site details", "close": "Close", "max": "max", "at": "data of",
           "links": "Links",
           "link": "Link", "latency": "Latency", "jitter": "Jitter", "loss": "Loss",
           "utilization": "Utilization", "apps": "Applications (current link and why)",
           "changes": "Latest path changes", "open_alarms": "Open alarms", "none": "none",
           "loading": "loading…", "period": "Period",
           "periods": ["1 h", "24 h", "7 d", "30 d"],
           "no_history": "No history in this period",
           "replay_note": "The map replays {when}; the figures in this panel are live.",
           "link_states": {"up": "up", "down": "down", "no-data": "no data"},
           "replay": "Health", "day": "Day", "replay_hour": "Replay hour", "live": "live",
           "updated": "updated", "update_failed": "update failed",
           "replay_label": "{from}–{to} ({zone}, hourly means)",
           "live_label": "live (times in {zone})",
           "no_history_hour": "No site reported anything in this hour",
           "replay_unavailable": "replay unavailable"},
}  # fmt: skip
"""The page's words; `status` by status code (green, grey, amber, red)."""

MAX_ZOOM = 18
TABLE_ROWS = 200  # the table view lists at most this many sites (and says how many more)
CHINA_BOUNDS = [[18.0, 73.0], [54.0, 135.0]]  # shown when there are no sites


class _After(MacroElement):
    """A script that runs after the cluster: base layer, hub lines, marker counter."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str, name: str = "BranchlineAfter") -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = name
        self.code = code


def _bounds(data: MapData) -> list[list[float]]:
    if not data.rows:
        return CHINA_BOUNDS
    lats = [r[0] for r in data.rows]
    lons = [r[1] for r in data.rows]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def build_map_page(
    inventory: Inventory,
    snapshot: HealthSnapshot,
    *,
    assets: MapAssets | None = None,
    options: MapOptions | None = None,
    routes: MapRoutes | None = None,
    opening: Mapping[str, str] | None = None,
    lang: str = "en",
) -> str:
    """The whole HTML page for `inventory` coloured by `snapshot`; every URL in it is local
    (from `assets` and `routes`) unless the operator configured a tile server in `options`."""
    assets = assets or MapAssets()
    options = options or MapOptions()
    routes = routes or MapRoutes()
    data = map_data(inventory, snapshot, opening)
    fmap = folium.Map(tiles=None, maxZoom=MAX_ZOOM, minZoom=2, prefer_canvas=True,
                      location=[35.0, 105.0], zoom_start=4, control_scale=True)  # fmt: skip
    fmap.default_js = assets.map_js()
    fmap.default_css = assets.map_css()
    fmap.fit_bounds(_bounds(data), padding=(20, 20))
    if options.tile_url:
        folium.TileLayer(tiles=options.tile_url, attr=options.tile_attribution,
                         max_zoom=MAX_ZOOM).add_to(fmap)  # fmt: skip
    cluster = FastMarkerCluster(  # type: ignore[no-untyped-call]  # folium is untyped
        [], callback=callback(), name="sites", icon_create_function=script("cluster_icon"),
        chunkedLoading=False, disableClusteringAtZoom=13,
    )  # fmt: skip
    # Set after construction: folium re-validates every row in Python (0.3 s at 10,000 sites);
    # the inventory's coordinates are validated already.
    cluster.data = data.rows
    cluster.default_js = assets.cluster_js()
    cluster.default_css = assets.cluster_css()
    cluster.add_to(fmap)
    big = len(data.rows) > options.lines_always_up_to
    land = None if options.tile_url else assets.land
    code = script("after") % {
        "map": fmap.get_name(),
        "cluster": cluster.get_name(),
        "land": json.dumps(land),
        "boundary": json.dumps(options.boundary_url),
        "hubs": json.dumps(data.hubs),
        "lines_from": options.lines_from_zoom if big else 0,
    }
    fmap.add_child(_After(code))
    words = WORDS[lang]
    config = {"status": routes.status, "history": routes.history, "site": routes.site,
              "every": options.refresh_s, "hours": int(SPAN / BUCKET), "words": words,
              "zone": options.time_zone}  # fmt: skip
    names = {"map": fmap.get_name(), "cluster": cluster.get_name()}

    def add(name: str, config: object) -> None:
        """js/<name>.js with the map, the cluster and its config (a script takes what it uses)."""
        args = names | {"config": json.dumps(config, ensure_ascii=False)}
        fmap.add_child(_After(script(name) % args, f"Branchline{name.title()}"))

    add("live", config)
    add("summary", {"words": words, "stale_s": max(120.0, 3 * options.refresh_s)})
    add("alarms", {"words": words, "alarms": routes.alarms, "zone": options.time_zone})
    add("search", {"words": words})
    add("filters", {"words": words, "transports": data.transports, "carriers": data.carriers})
    add("table", {"words": words, "max_rows": TABLE_ROWS})
    add("panel", {"words": words, "site": routes.site, "zone": options.time_zone})
    html: str = fmap.get_root().render()
    head = f'<head>\n<title>{words["title"]}</title>\n<link rel="icon" href="{ICON}">'
    html = html.replace("<head>", head, 1)
    return html.replace("<html>", f'<html lang="{words["html_lang"]}">', 1)
