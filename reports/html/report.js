// Draws report.html's charts with uPlot from the page's data block (#loadgen-data), then
// marks #loadgen-status with data-state="ok" (or "error" and what went wrong), which the
// headless-browser test reads. Tables and text are already in the page; this only adds charts.
(function () {
  'use strict';
  var started = performance.now();
  var status = document.getElementById('loadgen-status');
  var charts = [];
  var palette = ['#2563eb', '#16a34a', '#ea580c', '#dc2626', '#7c3aed', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];

  function color(i) { return palette[i % palette.length]; }

  function fmtNumber(v, digits) {
    if (v == null || !isFinite(v)) return '-';
    var a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toFixed(1) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
    return v.toFixed(a >= 100 ? 0 : (digits == null ? 2 : digits));
  }

  function fmtMs(v) {
    if (v == null || !isFinite(v)) return '-';
    if (v >= 1000) return (v / 1000).toFixed(2) + ' s';
    if (v >= 100) return v.toFixed(0) + ' ms';
    if (v >= 10) return v.toFixed(1) + ' ms';
    return v.toFixed(2) + ' ms';
  }

  // Seconds since the start as people read a run's clock: 45s, 12:30, 5:02:10.
  function fmtTime(s) {
    if (s == null || !isFinite(s)) return '-';
    var sign = s < 0 ? '-' : '';
    s = Math.abs(s);
    if (s < 120) return sign + (Math.round(s * 10) / 10) + 's';
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
    var mm = (h > 0 && m < 10 ? '0' : '') + m, ss = (sec < 10 ? '0' : '') + sec;
    return sign + (h > 0 ? h + ':' : '') + mm + ':' + ss;
  }

  // 1/(1-p) as the percentile it stands for: 1 -> 0%, 10 -> 90%, 1000 -> 99.9%.
  function fmtPercentile(x) {
    if (x <= 1) return '0%';
    var decades = Math.log10(x);
    var p = 100 * (1 - 1 / x);
    return p.toFixed(Math.max(0, Math.ceil(decades - 2 - 1e-9))) + '%';
  }

  var timeIncrs = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

  function timeAxis() {
    return { incrs: timeIncrs, space: 80, values: function (u, splits) { return splits.map(fmtTime); }, label: 'time since start' };
  }

  // Marks the stages (a dashed line where each begins, its name) and shades the warm-up.
  function stagesPlugin(stages, warmup) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
          ctx.save();
          if (warmup > 0) {
            var x0 = u.valToPos(u.scales.x.min, 'x', true), x1 = u.valToPos(Math.min(warmup, u.scales.x.max), 'x', true);
            ctx.fillStyle = 'rgba(120,120,120,0.10)';
            if (x1 > x0) ctx.fillRect(x0, top, x1 - x0, height);
          }
          if (stages.length > 1) {
            ctx.strokeStyle = 'rgba(80,80,80,0.45)';
            ctx.fillStyle = 'rgba(60,60,60,0.85)';
            ctx.setLineDash([4, 4]);
            ctx.font = Math.round(11 * devicePixelRatio) + 'px sans-serif';
            stages.forEach(function (s) {
              if (s.from < u.scales.x.min || s.from > u.scales.x.max) return;
              var x = Math.round(u.valToPos(s.from, 'x', true));
              ctx.beginPath();
              ctx.moveTo(x, top);
              ctx.lineTo(x, top + height);
              ctx.stroke();
              if (s.name) ctx.fillText(s.name, x + 4 * devicePixelRatio, top + 12 * devicePixelRatio);
            });
          }
          ctx.restore();
        }]
      }
    };
  }

  function widthOf(el) { return Math.max(300, Math.floor(el.clientWidth || el.parentNode.clientWidth || 600)); }

  function chart(id, opts, data) {
    var el = document.querySelector('[data-chart="' + id + '"]');
    if (!el) throw new Error('no placeholder for chart ' + id);
    opts.width = widthOf(el);
    opts.height = opts.height || 260;
    var u = new uPlot(opts, data, el);
    u.loadgenElement = el;
    charts.push(u);
    return u;
  }

  function line(label, i, extra) {
    var s = { label: label, stroke: color(i), width: 1.5, points: { show: false } };
    for (var k in extra || {}) s[k] = extra[k];
    return s;
  }

  function xSeries(fmt) { return { label: 'time', value: function (u, v) { return fmtTime(v); } }; }

  // Counts per interval are steps (each holds over its second), not slopes between points.
  var counts = uPlot.paths && uPlot.paths.stepped ? uPlot.paths.stepped({ align: -1 }) : undefined;

  function timeCharts(d) {
    var tl = d.timeline, t = tl.t;
    if (!t.length) return;
    var plugins = [stagesPlugin(tl.stages, d.warmup_s)];
    var sync = { key: 'timeline' };
    var common = function (extra) {
      var o = { plugins: plugins, cursor: { sync: sync }, scales: { x: { time: false } } };
      for (var k in extra) o[k] = extra[k];
      return o;
    };
    var valueRate = function (u, v) { return v == null ? '-' : fmtNumber(v, 1) + '/s'; };
    if (d.model === 'vus') {
      chart('rate', common({
        series: [xSeries(), line('finished per second', 0, { value: valueRate }),
                 line('planned users', 1, { scale: 'users', dash: [6, 4] })],
        scales: { x: { time: false }, users: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
        axes: [timeAxis(), { label: 'requests / s' }, { scale: 'users', side: 1, label: 'users', grid: { show: false } }]
      }), [t, tl.rps, tl.target]);
    } else {
      chart('rate', common({
        series: [xSeries(), line('target', 1, { dash: [6, 4], value: valueRate }), line('achieved', 0, { value: valueRate })],
        axes: [timeAxis(), { label: 'requests / s' }]
      }), [t, tl.target, tl.rps]);
    }
    chart('inflight', common({
      series: [xSeries(), line('in flight', 4), line('dropped / s', 3, { scale: 'dropped', paths: counts })],
      scales: { x: { time: false }, dropped: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      axes: [timeAxis(), { label: 'in flight' }, { scale: 'dropped', side: 1, label: 'dropped / s', grid: { show: false } }]
    }), [t, tl.in_flight, tl.dropped]);
    var ms = function (u, v) { return fmtMs(v); };
    var msAxis = { label: 'ms', values: function (u, splits) { return splits.map(function (v) { return fmtNumber(v, 1); }); } };
    chart('latency', common({
      series: [xSeries(), line('p50', 0, { value: ms }), line('p90', 1, { value: ms }), line('p99', 2, { value: ms }),
               line('max', 3, { value: ms, width: 1 })],
      axes: [timeAxis(), msAxis]
    }), [t, tl.p50, tl.p90, tl.p99, tl.max]);
    chart('service', common({
      series: [xSeries(), line('service p50', 0, { value: ms }), line('service p99', 2, { value: ms }),
               line('corrected p99', 8, { value: ms, dash: [3, 3], width: 1 })],
      axes: [timeAxis(), msAxis]
    }), [t, tl.service_p50, tl.service_p99, tl.p99]);
    var kinds = Object.keys(tl.errors_by_kind);
    if (kinds.length && document.querySelector('[data-chart="errors"]')) {
      var series = [xSeries()], data = [t];
      kinds.forEach(function (k, i) { series.push(line(k, i + 3, { paths: counts })); data.push(tl.errors_by_kind[k]); });
      chart('errors', common({ series: series, axes: [timeAxis(), { label: 'errors / s' }] }), data);
    }
  }

  function spectrumChart(d) {
    var sp = d.spectrum;
    if (!sp.series.length || !document.querySelector('[data-chart="spectrum"]')) return;
    var series = [{ label: 'percentile', value: function (u, v) { return v == null ? '-' : fmtPercentile(v); } }];
    var names = 0;
    sp.series.forEach(function (s, i) {
      var service = s.kind === 'service';
      var c = service ? Math.max(0, names - 1) : names++;
      series.push(line(s.label, c, { dash: service ? [5, 4] : undefined, value: function (u, v) { return fmtMs(v); } }));
    });
    var maxX = sp.x[sp.x.length - 1];
    chart('spectrum', {
      height: 320,
      series: series,
      scales: { x: { time: false, distr: 3, log: 10 } },
      axes: [{
        label: 'percentile (log scale of 1/(1-p))',
        splits: function (u) {
          var out = [];
          for (var x = 1; x <= maxX * 1.0001; x *= 10) out.push(x);
          return out;
        },
        values: function (u, splits) { return splits.map(fmtPercentile); }
      }, { label: 'ms', values: function (u, splits) { return splits.map(function (v) { return fmtNumber(v, 1); }); } }]
    }, [sp.x].concat(sp.values));
  }

  function startupCharts(d) {
    if (!d.startup) return;
    var variants = d.startup.variants, top = 0;
    variants.forEach(function (v) {
      v.phases.forEach(function (p) { p.runs_ms.forEach(function (x) { if (x != null && x > top) top = x; }); });
    });
    variants.forEach(function (v, vi) {
      var runs = 0;
      v.phases.forEach(function (p) { runs = Math.max(runs, p.runs_ms.length); });
      var x = [];
      for (var i = 1; i <= runs; i++) x.push(i);
      var series = [{ label: 'run' }], data = [x];
      v.phases.forEach(function (p, pi) {
        series.push({ label: p.name, stroke: color(pi), fill: undefined, width: 0, paths: function () { return null; },
                      points: { show: true, size: 7, fill: color(pi) }, value: function (u, val) { return fmtMs(val); } });
        data.push(p.runs_ms);
      });
      chart('startup-' + vi, {
        height: 240, series: series,
        scales: { x: { time: false, range: [0.5, runs + 0.5] }, y: { range: [0, top * 1.08 || 1] } },
        axes: [{ label: 'run', incrs: [1, 2, 5, 10, 20, 50, 100] }, { label: 'ms since spawn' }]
      }, data);
    });
  }

  // The least-squares line through (t, y), evaluated at `xs` (null where y is unknown there).
  function fit(t, y) {
    var n = 0, st = 0, sy = 0, stt = 0, sty = 0;
    for (var i = 0; i < t.length; i++) {
      if (y[i] == null) continue;
      n++; st += t[i]; sy += y[i]; stt += t[i] * t[i]; sty += t[i] * y[i];
    }
    if (n < 2) return null;
    var den = n * stt - st * st;
    if (den === 0) return null;
    var b = (n * sty - st * sy) / den, a = (sy - b * st) / n;
    return function (x) { return a + b * x; };
  }

  // A capacity search: latency against offered load (the knee), and what was delivered.
  function capacityCharts(d) {
    var c = d.capacity;
    if (!c || !c.level.length) return;
    var unit = c.unit === 'users' ? 'users' : 'requests / s';
    var ms = function (u, v) { return fmtMs(v); };
    var rate = function (u, v) { return v == null ? '-' : fmtNumber(v, 1) + (c.unit === 'users' ? ' users' : '/s'); };
    var pts = { show: true, size: 7 };
    var found = c.max_rate;
    var marker = {
      hooks: {
        draw: [function (u) {
          if (found == null) return;
          var x = Math.round(u.valToPos(found, 'x', true)), ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = 'rgba(22,163,74,0.8)';
          ctx.setLineDash([4, 4]);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.fillStyle = 'rgba(22,163,74,1)';
          ctx.font = Math.round(11 * devicePixelRatio) + 'px sans-serif';
          ctx.fillText('capacity ' + fmtNumber(found, 1), x + 4 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
          ctx.restore();
        }]
      }
    };
    var xs = { label: 'offered', value: rate };
    chart('knee', {
      plugins: [marker],
      series: [xs, line('p50', 0, { value: ms, points: pts }), line('p90', 1, { value: ms, points: pts }),
               line('p99', 3, { value: ms, points: pts })],
      scales: { x: { time: false }, y: { distr: 3, log: 10 } },
      axes: [{ label: 'offered (' + unit + ')' }, { label: 'latency (ms, log scale)' }]
    }, [c.level, c.p50, c.p90, c.p99]);
    chart('delivered', {
      plugins: [marker],
      series: [xs, line('offered', 8, { dash: [6, 4], value: rate }), line('sent', 1, { value: rate, points: pts }),
               line('answered', 0, { value: rate, points: pts })],
      scales: { x: { time: false } },
      axes: [{ label: 'offered (' + unit + ')' }, { label: 'per second' }]
    }, [c.level, c.level, c.sent, c.achieved]);
  }

  function resourceCharts(d) {
    var tg = d.resources.target, lg = d.resources.loadgen;
    if (!tg && !lg) return;
    var procs = [], labels = [];
    if (tg) { procs.push(tg); labels.push('target'); }
    if (lg) { procs.push(lg); labels.push('loadgen'); }
    var cpu = uPlot.join(procs.map(function (p) { return [p.t, p.cpu]; }));
    var cpuSeries = [xSeries()];
    labels.forEach(function (l, i) { cpuSeries.push(line(l + ' CPU', i === 0 && tg ? 0 : 3, { spanGaps: true })); });
    var cores = function (u, v) { return v == null ? '-' : v.toFixed(2) + ' cores'; };
    cpuSeries.forEach(function (s, i) { if (i > 0) s.value = cores; });
    var sync = { key: 'resources' };
    chart('cpu', { series: cpuSeries, cursor: { sync: sync }, scales: { x: { time: false } },
                   axes: [timeAxis(), { label: 'cores' }] }, cpu);
    var rss = uPlot.join(procs.map(function (p) { return [p.t, p.rss_mib]; }));
    var rssSeries = [xSeries()];
    var mib = function (u, v) { return v == null ? '-' : v.toFixed(1) + ' MiB'; };
    labels.forEach(function (l, i) { rssSeries.push(line(l + ' RSS', i === 0 && tg ? 0 : 3, { spanGaps: true, value: mib })); });
    if (tg) {
      var f = fit(tg.t, tg.rss_mib);
      var slope = tg.rss_slope_mib_per_hour;
      if (f && slope != null) {
        rssSeries.push(line('target trend (' + (slope >= 0 ? '+' : '') + slope.toFixed(1) + ' MiB/h)',
                            8, { dash: [6, 4], width: 1, value: mib }));
        rss.push(rss[0].map(f));
      }
    }
    chart('rss', { series: rssSeries, cursor: { sync: sync }, scales: { x: { time: false } },
                   axes: [timeAxis(), { label: 'MiB' }] }, rss);
  }

  // The target's own series, on the timeline's axis and cursor, beside loadgen's p99 (a latency)
  // or its rate (anything else), so that a bad second on one side can be found on the other.
  function targetMetricCharts(d) {
    var tm = d.target_metrics, tl = d.timeline;
    if (!tm || !tm.charts.length) return;
    var plugins = [stagesPlugin(tl.stages, d.warmup_s)];
    var ms = function (u, v) { return fmtMs(v); };
    var plain = function (u, v) { return v == null ? '-' : fmtNumber(v, 3); };
    var perSecond = function (u, v) { return v == null ? '-' : fmtNumber(v, 2) + '/s'; };
    tm.charts.forEach(function (c, k) {
      var tables = [], series = [xSeries()], own = c.ms ? ms : (c.type === 'gauge' ? plain : perSecond);
      var names = Object.keys(c.quantiles);
      if (c.type === 'histogram' || c.type === 'summary') {
        names.forEach(function (q, i) {
          tables.push([c.t, c.quantiles[q]]);
          series.push(line((c.type === 'summary' ? 'q' : '') + q, i, { value: c.ms ? ms : plain, spanGaps: true }));
        });
      } else {
        tables.push([c.t, c.value]);
        series.push(line(c.type === 'counter' ? 'per second' : 'value', 0, { value: own, spanGaps: true }));
      }
      // loadgen's side: its p99 on the same ms axis for a latency, else its rate on a right axis.
      var latency = c.ms && c.type !== 'gauge';
      tables.push(latency ? [tl.t, tl.p99] : [tl.t, tl.rps]);
      series.push(line(latency ? 'loadgen p99' : 'loadgen responses/s', 8,
                       { dash: [5, 4], width: 1, value: latency ? ms : perSecond, scale: latency ? 'y' : 'lg', spanGaps: true }));
      var axes = [timeAxis(), { label: c.ms ? 'ms' : (c.type === 'counter' ? 'per second' : c.type === 'gauge' ? 'value' : 'observed') }];
      if (!latency) axes.push({ scale: 'lg', side: 1, label: 'loadgen responses / s', grid: { show: false } });
      series.forEach(function (s, i) { if (i > 0 && !s.scale) s.scale = 'y'; });
      chart('metric-' + k, {
        plugins: plugins, cursor: { sync: { key: 'timeline' } },
        scales: { x: { time: false }, y: { auto: true }, lg: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
        series: series, axes: axes.map(function (a, i) { if (i === 1) a.scale = 'y'; return a; })
      }, uPlot.join(tables));
    });
  }

  function finish(error) {
    var errors = (window.loadgenErrors || []).slice();
    if (error) errors.push(String(error && error.stack || error));
    // Self-contained: the page must not have loaded anything (no script, style, font, image).
    performance.getEntriesByType('resource').forEach(function (r) { errors.push('the page loaded ' + r.name); });
    var sections = document.querySelectorAll('section.report-section').length;
    var ms = Math.round(performance.now() - started);
    status.setAttribute('data-sections', String(sections));
    status.setAttribute('data-charts', String(charts.length));
    status.setAttribute('data-render-ms', String(ms));
    // Since navigation start: the whole page (HTML, data block and charts) as a reader waits for it.
    status.setAttribute('data-page-ms', String(Math.round(performance.now())));
    if (errors.length) {
      status.setAttribute('data-state', 'error');
      status.textContent = 'the report failed to draw: ' + errors.join(' | ');
      status.className = 'error';
    } else {
      status.setAttribute('data-state', 'ok');
      status.textContent = charts.length + ' charts drawn in ' + ms + ' ms (page ready after ' + Math.round(performance.now()) + ' ms)';
    }
  }

  try {
    var data = JSON.parse(document.getElementById('loadgen-data').textContent);
    timeCharts(data);
    capacityCharts(data);
    spectrumChart(data);
    startupCharts(data);
    resourceCharts(data);
    targetMetricCharts(data);
    var resizing = null;
    window.addEventListener('resize', function () {
      clearTimeout(resizing);
      resizing = setTimeout(function () {
        charts.forEach(function (u) { u.setSize({ width: widthOf(u.loadgenElement), height: u.height }); });
      }, 100);
    });
    // uPlot finishes drawing in a microtask, and an element that fails to load reports at the
    // load event: report after both.
    var report = function () { setTimeout(function () { finish(null); }, 0); };
    if (document.readyState === 'complete') report();
    else window.addEventListener('load', report);
  } catch (e) {
    finish(e);
  }
})();
