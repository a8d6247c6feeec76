// cc24: small progressive enhancements; every page works without this file.
(function () {
  'use strict';
  // Quick search: show the live number of matching vehicles on the submit button.
  var form = document.querySelector('form.quick-search');
  if (!form || !window.fetch) return;
  var button = form.querySelector('button[type=submit]');
  var label = button ? button.getAttribute('data-label') : null;
  var timer = null;
  function update() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (v, k) { if (v !== '') params.append(k, v); });
    params.set('size', '1');
    fetch('/api/v1/vehicles/search?' + params.toString(), { headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (j && button && label) button.textContent = label.replace('{n}', j.total.toLocaleString('de-DE'));
      })
      .catch(function () {});
  }
  form.addEventListener('change', function () {
    clearTimeout(timer);
    timer = setTimeout(update, 120);
  });
})();
