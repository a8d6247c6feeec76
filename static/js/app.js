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

// Financing calculators (/finanzierung and vehicle pages): recompute on the server
// as the buyer types, and swap in the result — the numbers are always the engine's.
(function () {
  'use strict';
  if (!window.fetch || !window.DOMParser) return;
  document.querySelectorAll('form.calc').forEach(function (form) {
    var target = document.getElementById(form.getAttribute('data-result') || '');
    if (!target) return;
    var timer = null;
    function update() {
      var params = new URLSearchParams(new FormData(form));
      var action = (form.getAttribute('action') || '').split('#')[0] || window.location.pathname;
      fetch(action + '?' + params.toString(), { headers: { Accept: 'text/html' } })
        .then(function (r) { return r.ok || r.status === 422 ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          var doc = new DOMParser().parseFromString(html, 'text/html');
          var fresh = doc.getElementById(target.id);
          if (!fresh) return;
          var focused = document.activeElement && document.activeElement.id;
          target.innerHTML = fresh.innerHTML;
          if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
          history.replaceState(null, '', action + '?' + params.toString() + '#' + target.id);
        })
        .catch(function () {});
    }
    form.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(update, 250);
    });
  });
})();

// Range inputs show their value next to them.
(function () {
  'use strict';
  document.querySelectorAll('input[type=range]').forEach(function (r) {
    var out = r.parentNode.querySelector('output');
    if (!out) return;
    var unit = out.textContent.replace(/^[\d.\s]+/, '');
    r.addEventListener('input', function () { out.textContent = r.value + ' ' + unit.trim(); });
  });
})();
