// report.html's flame graphs (d3-flame-graph, inlined with d3-selection): one per profiled
// stage, zoomable and searchable. Runs before report.js, which reports whether the page drew.
(function () {
  var data = JSON.parse(document.getElementById('loadgen-data').textContent);
  var drawn = 0;
  (data.profiles || []).forEach(function (p, k) {
    var el = document.querySelector('[data-flame="' + k + '"]');
    if (!el) return;
    var width = Math.max(600, Math.floor(el.clientWidth || el.parentNode.clientWidth || 1000));
    var chart = flamegraph().width(width).cellHeight(16).minFrameSize(2).transitionDuration(0)
      .title('').selfValue(false).inverted(false).sort(true);
    var match = document.querySelector('[data-flame-match="' + k + '"]');
    chart.setSearchHandler(function (results, sum, total) {
      if (match) match.textContent = results.length ? (results.length + ' frames, ' + (100 * sum / total).toFixed(1) + '% of the samples') : '';
    });
    d3.select(el).datum(p.tree).call(chart);
    var search = document.querySelector('[data-flame-search="' + k + '"]');
    if (search) {
      search.addEventListener('input', function () {
        if (search.value) chart.search(search.value); else { chart.clear(); if (match) match.textContent = ''; }
      });
    }
    var reset = document.querySelector('[data-flame-reset="' + k + '"]');
    if (reset) reset.addEventListener('click', function () { chart.resetZoom(); });
    drawn++;
  });
  var status = document.getElementById('loadgen-status');
  if (status) status.setAttribute('data-flames', String(drawn));
})();
