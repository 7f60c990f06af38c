/** The page's CSS. */
export const STYLE = `
body { font: 14px system-ui, sans-serif; margin: 0; color: #1d2530; background: #fff; }
header { background: #1f4e79; color: #fff; padding: 0 20px; display: flex; align-items: center; gap: 24px; flex-wrap: wrap; }
header .title { font-weight: 600; padding: 10px 0; }
nav { display: flex; gap: 2px; }
nav a { color: #dce7f2; text-decoration: none; padding: 12px 12px; border-bottom: 3px solid transparent; }
nav a.active { color: #fff; border-bottom-color: #f5b041; }
.count { background: #c0392b; color: #fff; border-radius: 9px; padding: 0 6px; font-size: 12px; }
.status { margin-left: auto; font-size: 12px; color: #dce7f2; }
.status.down { color: #ffb3a7; }
.status.live::before { content: '● '; color: #58d68d; }
main { padding: 10px 20px; }
.toolbar { display: flex; gap: 18px; align-items: center; flex-wrap: wrap; padding: 8px 0; border-bottom: 1px solid #e3e7ec; }
.toolbar:empty { display: none; }
.toolbar select, .toolbar input[type=number] { font: inherit; max-width: 260px; }
.toolbar input[type=number] { width: 80px; }
.chip { background: #eaf1f8; border: 1px solid #b9cde2; border-radius: 12px; padding: 2px 10px; }
.chip a { text-decoration: none; margin-left: 4px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e7ec; vertical-align: top; }
td.num { text-align: right; }
tr.error td, .err { color: #c0392b; }
.meta { color: #5b6775; font-size: 12px; }
.badge { display: inline-block; border-radius: 9px; padding: 0 7px; font-size: 12px; margin-left: 6px; }
.badge.error { background: #fdecea; color: #a93226; border: 1px solid #e6b0aa; }
.badge.warning { background: #fef5e7; color: #9c640c; border: 1px solid #f5cba7; }
.sev { font-weight: 600; }
.sev.error { color: #a93226; }
.sev.warning { color: #9c640c; }
td.oap { color: #3d4956; font-size: 12px; max-width: 380px; }
.span { display: grid; grid-template-columns: 52% 40% 8%; border-bottom: 1px solid #eef1f4; padding: 3px 0; }
.span.highlight { background: #fff7d6; }
.service { font-weight: 600; }
.track { position: relative; height: 18px; }
.bar { position: absolute; top: 4px; height: 10px; background: #3b82c4; border-radius: 2px; }
.bar.error { background: #c0392b; }
.dur { text-align: right; font-size: 12px; color: #5b6775; }
details { display: inline; margin-left: 6px; font-size: 12px; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0 10px; margin: 4px 0 4px 20px; }
dt { color: #5b6775; }
dd { margin: 0; word-break: break-all; }
ul.span-logs { list-style: none; padding: 2px 0 4px; margin-top: 0; margin-bottom: 0; font: 12px ui-monospace, monospace; border-bottom: 1px solid #eef1f4; }
.log .level { font-weight: 600; }
.log.level-error .level, .log.level-error .body { color: #c0392b; }
.log.level-warn .level { color: #9c640c; }
#violations li.error strong { color: #a93226; }
#violations li.warning strong { color: #9c640c; }
.map-frame { overflow: auto; border: 1px solid #e3e7ec; border-radius: 4px; margin: 8px 0 16px; background: #fafbfc; }
#service-map { display: block; max-width: 100%; height: auto; }
#service-map .edge { cursor: pointer; }
#service-map .edge .line { fill: none; stroke: #7f8c9a; stroke-width: 2; }
#service-map .edge .hit { fill: none; stroke: transparent; stroke-width: 14; }
#service-map .edge:hover .line, #service-map .edge:focus .line { stroke: #1f4e79; stroke-width: 3; }
#service-map .edge.error .line { stroke: #c0392b; stroke-dasharray: 6 3; }
#service-map .arrow { fill: #7f8c9a; }
#service-map .arrow.error { fill: #c0392b; }
#service-map .edge-label { font-size: 11px; text-anchor: middle; fill: #1d2530; paint-order: stroke; stroke: #fafbfc; stroke-width: 4px; }
#service-map .edge-label.meta { fill: #5b6775; }
#service-map .edge.error .edge-label.meta { fill: #c0392b; }
#service-map .node circle { stroke-width: 2; }
#service-map .node.service { cursor: pointer; }
#service-map .node.service circle { fill: #d6e6f5; stroke: #1f4e79; }
#service-map .node.user circle { fill: #eceff1; stroke: #607d8b; }
#service-map .node.database circle { fill: #d5f5e3; stroke: #1e8449; }
#service-map .node.cache circle { fill: #ebdef0; stroke: #76448a; }
#service-map .node.mq circle { fill: #fdebd0; stroke: #b9770e; }
#service-map .node.faas circle, #service-map .node.other circle { fill: #f2f3f4; stroke: #7f8c9a; }
#service-map .node .icon { font-size: 12px; font-weight: 700; text-anchor: middle; fill: #1d2530; }
#service-map .node .name { font-size: 12px; text-anchor: middle; fill: #1d2530; paint-order: stroke; stroke: #fafbfc; stroke-width: 4px; }
.instance { border: 1px solid #e3e7ec; border-radius: 4px; padding: 4px 12px 10px; margin: 10px 0; }
.instance h3 { margin: 6px 0 2px; font-size: 15px; }
.meters { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 8px; }
.meter { border: 1px solid #eef1f4; border-radius: 4px; padding: 6px 8px; width: 170px; }
.meter-name { font: 12px ui-monospace, monospace; word-break: break-all; }
.meter-value { font-weight: 600; }
.sparkline .line { fill: none; stroke: #3b82c4; stroke-width: 1.5; }
.sparkline .dot { fill: #1f4e79; }
.histogram rect { fill: #85b3dc; }
`;
