namespace Dagon.Reporting;

/// <summary>
/// The report's inline style and script. Both live in the one HTML file: a report is opened from a cluster's shared
/// folder or a mail attachment, often where no network (and no CDN) is reachable.
/// </summary>
internal static class ReportPage
{
    public const string Style = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
        h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
        .banner { padding: .5em 1em; border-radius: 4px; display: inline-block; font-weight: bold; }
        .banner.succeeded { background: #dff3df; } .banner.failed { background: #f8d7d7; } .banner.cancelled { background: #f3ecd0; }
        #counts { list-style: none; padding: 0; display: flex; gap: 1em; }
        #counts li { padding: .2em .6em; border-radius: 3px; background: #eee; }
        table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .2em .5em; text-align: left; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.failed td { background: #fbeaea; } tr.skipped td, tr.cancelled td { color: #777; }
        pre.tail { margin: .2em 0 0; font-size: 12px; white-space: pre-wrap; }
        #dag .node rect { fill: #e8eef8; stroke: #5577aa; } #dag .node text { font-size: 12px; text-anchor: middle; }
        #dag .node.succeeded rect { fill: #dff3df; stroke: #3a8a3a; } #dag .node.failed rect { fill: #f8d7d7; stroke: #b33; }
        #dag .node.skipped rect, #dag .node.cancelled rect { fill: #f1f1f1; stroke: #999; stroke-dasharray: 4 2; }
        #dag .edge { stroke: #888; } #dag marker path { fill: #888; }
        .phase.image { fill: #9b7fd1; } .phase.overlay { fill: #e0a040; } .phase.staging { fill: #4fa3c7; } .phase.execution { fill: #4caf50; }
        .task-row.failed .phase.execution { fill: #d9534f; } .task-row .span { fill: #eee; }
        .task-row text, .axis text { font-size: 11px; } .legend span { display: inline-block; width: .9em; height: .9em; margin: 0 .3em 0 1em; }
        """;

    public const string Script = """
        (function () {
          var data = JSON.parse(document.getElementById('dagon-data').textContent);
          var phases = ['image', 'overlay', 'staging', 'execution'];
          var svgNs = 'http://www.w3.org/2000/svg';
          function make(ns, name, attrs, text) {
            var node = ns ? document.createElementNS(ns, name) : document.createElement(name);
            for (var key in attrs) node.setAttribute(key, attrs[key]);
            if (text !== undefined) node.textContent = text;
            return node;
          }
          function seconds(ms) { return (ms / 1000).toFixed(2); }

          var counts = {};
          data.tasks.forEach(function (t) { counts[t.state] = (counts[t.state] || 0) + 1; });
          var list = document.getElementById('counts');
          Object.keys(counts).sort().forEach(function (state) {
            list.appendChild(make(null, 'li', { 'class': 'count ' + state, 'data-state': state, 'data-count': counts[state] },
              state + ': ' + counts[state]));
          });

          // The timeline: one row per started task, its phases laid where the runner measured them.
          var started = data.tasks.filter(function (t) { return t.submit !== null && t.end !== null; });
          var first = 0, last = 1;
          // Images and overlays are made ahead, in parallel, for many tasks: their bars end where the task needed them.
          function origins(t) {
            var run = t.end - t.phases.execution;
            return { image: t.submit - t.phases.image, staging: t.submit, overlay: run - t.phases.overlay, execution: run };
          }
          started.forEach(function (t) {
            var from = origins(t);
            first = Math.min(first, from.image, from.overlay);
            last = Math.max(last, t.end);
          });
          var rowHeight = 18, label = 220, width = 1000, top = 24;
          var scale = (width - label - 10) / (last - first);
          function x(ms) { return label + (ms - first) * scale; }
          var svg = make(svgNs, 'svg', { id: 'timeline-svg', width: width, height: top + rowHeight * started.length + 4 });
          var axis = make(svgNs, 'g', { 'class': 'axis' });
          for (var i = 0; i <= 5; i++) {
            var at = first + (last - first) * i / 5;
            axis.appendChild(make(svgNs, 'text', { x: x(at), y: 12, 'text-anchor': i === 5 ? 'end' : 'middle' }, seconds(at) + ' s'));
          }
          svg.appendChild(axis);
          started.forEach(function (t, row) {
            var g = make(svgNs, 'g', { 'class': 'task-row ' + t.state, 'data-task': t.name, transform: 'translate(0,' + (top + row * rowHeight) + ')' });
            g.appendChild(make(svgNs, 'text', { x: 0, y: 12 }, t.name));
            g.appendChild(make(svgNs, 'rect', { 'class': 'span', x: x(t.submit), y: 2, width: Math.max(1, (t.end - t.submit) * scale), height: 12 }));
            var from = origins(t);
            phases.forEach(function (phase) {
              var ms = t.phases[phase];
              if (!(ms > 0)) return;
              var rect = make(svgNs, 'rect', { 'class': 'phase ' + phase, 'data-phase': phase, 'data-ms': ms,
                x: x(from[phase]), y: 2, width: Math.max(1, ms * scale), height: 12 });
              rect.appendChild(make(svgNs, 'title', {}, t.name + ' ' + phase + ': ' + seconds(ms) + ' s'));
              g.appendChild(rect);
            });
            svg.appendChild(g);
          });
          document.getElementById('timeline').appendChild(svg);

          var body = document.getElementById('task-rows');
          data.tasks.forEach(function (t) {
            var tr = make(null, 'tr', { 'class': t.state, 'data-task': t.name, 'data-state': t.state });
            tr.appendChild(make(null, 'td', { 'class': 'name' }, t.name));
            tr.appendChild(make(null, 'td', { 'class': 'state' }, t.state));
            tr.appendChild(make(null, 'td', { 'class': 'exit num' }, t.exit === null ? '' : String(t.exit)));
            tr.appendChild(make(null, 'td', { 'class': 'attempts' },
              t.reused ? 'reused' : String(t.attempts) + (t.retriedAfter ? ' (retried after ' + t.retriedAfter + ')' : '')));
            tr.appendChild(make(null, 'td', { 'class': 'host' }, t.host));
            phases.concat(['total']).forEach(function (phase) {
              tr.appendChild(make(null, 'td', { 'class': 'num ' + phase }, t.phases[phase] > 0 ? seconds(t.phases[phase]) : '-'));
            });
            var logs = make(null, 'td', { 'class': 'logs' });
            ['stdout', 'stderr'].forEach(function (stream) {
              if (t.logs[stream]) logs.appendChild(make(null, 'a', { href: t.logs[stream], 'class': stream }, stream + ' '));
            });
            tr.appendChild(logs);
            var why = make(null, 'td', { 'class': 'reason' }, t.reason || '');
            if (t.errorTail.length > 0) why.appendChild(make(null, 'pre', { 'class': 'tail' }, t.errorTail.join('\n')));
            tr.appendChild(why);
            body.appendChild(tr);
          });
          document.body.setAttribute('data-rendered', 'true');
        })();
        """;
}
