// cc24: small progressive enhancements; every page works without this file.

// Quick search (homepage): models follow the chosen make, and the submit button
// shows the live number of matching vehicles.
(function () {
  'use strict';
  var form = document.querySelector('form.quick-search');
  if (!form || !window.fetch) return;
  var button = form.querySelector('button[type=submit]');
  var label = button ? button.getAttribute('data-label') : null;
  var make = form.querySelector('[name=make]');
  var model = form.querySelector('[name=model]');
  var makes = null;
  var timer = null;
  function fillModels() {
    if (!model || !make) return;
    var chosen = make.value;
    var list = [];
    (makes || []).forEach(function (m) { if (m.make === chosen) list = m.models; });
    model.textContent = '';
    var any = document.createElement('option');
    any.value = '';
    any.textContent = chosen ? model.getAttribute('data-any') : model.getAttribute('data-choose');
    model.appendChild(any);
    list.forEach(function (m) {
      var o = document.createElement('option');
      o.value = m.model;
      o.textContent = m.model + ' (' + m.count.toLocaleString('de-DE') + ')';
      model.appendChild(o);
    });
    model.disabled = !chosen;
  }
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
  form.addEventListener('change', function (ev) {
    if (ev.target === make) {
      var go = function () { fillModels(); update(); };
      if (makes) go();
      else fetch('/api/v1/makes').then(function (r) { return r.json(); })
        .then(function (j) { makes = j.makes; go(); }).catch(go);
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(update, 120);
  });
})();

// The search page: filters update the results in place (the server renders the
// same page as a fragment), the URL follows (history.pushState, so back works),
// and on small screens the filters live in a drawer.
(function () {
  'use strict';
  var form = document.querySelector('form[data-live-search]');
  if (!form || !window.fetch || !window.DOMParser || !history.pushState) return;
  var results = document.getElementById('results');
  var drawer = document.getElementById('filter-drawer');
  var seq = 0;
  var timer = null;
  var ctrl = null;

  function formUrl() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (v, k) { if (v !== '') params.append(k, v); });
    var q = params.toString();
    return '/fahrzeuge' + (q ? '?' + q : '');
  }
  function load(url, push, scroll) {
    var mine = ++seq;
    if (ctrl) ctrl.abort();
    ctrl = window.AbortController ? new AbortController() : null;
    results.classList.add('loading');
    results.setAttribute('aria-busy', 'true');
    var sep = url.indexOf('?') < 0 ? '?' : '&';
    fetch(url + sep + 'fragment=1', { headers: { Accept: 'text/html' }, signal: ctrl ? ctrl.signal : undefined })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        if (mine !== seq) return;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var f = doc.getElementById('filter'), res = doc.getElementById('results');
        if (!f || !res) { window.location.href = url; return; }
        var active = document.activeElement, id = active && active.id;
        var typed = active && /^(search|number|text)$/.test(active.type) ? active.value : null;
        var caret = typed !== null && active.type !== 'number' ? active.selectionStart : null;
        form.innerHTML = f.innerHTML;
        results.innerHTML = res.innerHTML;
        var canonical = res.getAttribute('data-url') || url;
        if (push) history.pushState({ cc24: 1 }, '', canonical);
        else history.replaceState({ cc24: 1 }, '', canonical);
        shown = location.pathname + location.search;
        var again = id && document.getElementById(id);
        if (again) {
          if (typed !== null && again.value !== typed) again.value = typed;
          again.focus();
          if (caret !== null && again.setSelectionRange) try { again.setSelectionRange(caret, caret); } catch (e) { /* number inputs */ }
        }
        var h = document.getElementById('result-title');
        if (h) document.title = h.textContent.replace(/\s+/g, ' ').trim() + ' · cc24';
        if (scroll) results.scrollIntoView({ block: 'start' });
        document.dispatchEvent(new CustomEvent('cc24:content'));
      })
      .catch(function (e) { if (e && e.name === 'AbortError') return; if (mine === seq) window.location.href = url; })
      .then(function () { if (mine === seq) { results.classList.remove('loading'); results.removeAttribute('aria-busy'); } });
  }
  function soon(delay) {
    clearTimeout(timer);
    timer = setTimeout(function () { load(formUrl(), true, false); }, delay);
  }
  document.addEventListener('change', function (ev) {
    var el = ev.target;
    if (el.form !== form) return;
    if (el.name === 'make') { var m = form.querySelector('[name=model]'); if (m) m.value = ''; }
    soon(/^(search|number|text)$/.test(el.type) ? 0 : 50);
  });
  form.addEventListener('input', function (ev) {
    if (/^(search|number|text)$/.test(ev.target.type)) soon(450);
  });
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearTimeout(timer);
    load(formUrl(), true, false);
    closeDrawer();
  });
  document.addEventListener('click', function (ev) {
    var a = ev.target.closest && ev.target.closest('a[href]');
    if (!a || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button) return;
    if (a.hasAttribute('data-drawer-open')) { ev.preventDefault(); openDrawer(); return; }
    if (a.hasAttribute('data-drawer-close')) { ev.preventDefault(); closeDrawer(); return; }
    var href = a.getAttribute('href');
    if (!/^\/fahrzeuge(\?|$)/.test(href) || !(results.contains(a) || form.contains(a))) return;
    ev.preventDefault();
    load(href, true, !!a.closest('.pager'));
  });
  var shown = location.pathname + location.search;
  window.addEventListener('popstate', function () {
    var now = location.pathname + location.search;
    if (now === shown) return; /* only the #fragment changed (skip link, anchors) */
    shown = now;
    if (location.pathname === '/fahrzeuge') load(now, false, false);
  });
  history.replaceState({ cc24: 1 }, '', location.href);

  var opener = null;
  function openDrawer() {
    if (!drawer) return;
    opener = document.activeElement;
    drawer.classList.add('open');
    document.body.classList.add('drawer-open');
    var first = form.querySelector('input, select');
    if (first) first.focus();
  }
  function closeDrawer() {
    if (!drawer || !drawer.classList.contains('open')) return;
    drawer.classList.remove('open');
    document.body.classList.remove('drawer-open');
    var t = document.querySelector('[data-drawer-open]');
    (opener && document.contains(opener) ? opener : t || results).focus();
  }
  document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape') closeDrawer(); });
})();

// Favourites (heart) and the comparison list (up to 3), kept in localStorage; the
// /merkliste and /vergleich pages render the stored ids on the server.
(function () {
  'use strict';
  var store = null;
  try { store = window.localStorage; store.getItem('x'); } catch (e) { store = null; }
  if (!store) return;
  var FAV = 'cc24.favourites', CMP = 'cc24.compare', MAXFAV = 50, MAXCMP = 3;
  // a logged-in buyer's favourites are the account's (the next block); compare stays here
  var account = document.body.hasAttribute('data-buyer');
  function get(k) { try { var v = JSON.parse(store.getItem(k) || '[]'); return Array.isArray(v) ? v.filter(function (x) { return /^[0-9a-z]{16}$/.test(x); }) : []; } catch (e) { return []; } }
  function set(k, v) { try { store.setItem(k, JSON.stringify(v)); } catch (e) { /* full or private mode */ } }
  var bar = document.getElementById('compare-bar');

  function sync() {
    var fav = account ? [] : get(FAV), cmp = get(CMP);
    document.querySelectorAll('[data-fav]').forEach(function (b) {
      var on = fav.indexOf(b.getAttribute('data-fav')) >= 0;
      b.hidden = false;
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
    });
    document.querySelectorAll('[data-cmp]').forEach(function (b) {
      b.setAttribute('role', 'button');
      b.setAttribute('aria-pressed', cmp.indexOf(b.getAttribute('data-cmp')) >= 0 ? 'true' : 'false');
    });
    if (!account) document.querySelectorAll('[data-fav-count]').forEach(function (c) {
      c.textContent = String(fav.length);
      c.hidden = fav.length === 0;
    });
    if (bar) {
      bar.hidden = cmp.length === 0 || !!document.querySelector('[data-compare-page]');
      var n = bar.querySelector('[data-cmp-count]');
      if (n) n.textContent = String(cmp.length);
      var l = bar.querySelector('[data-cmp-link]');
      if (l) l.setAttribute('href', '/vergleich?ids=' + cmp.join(','));
    }
  }
  function say(text) {
    if (!bar) return;
    var m = bar.querySelector('.compare-msg');
    if (m) m.textContent = text;
  }
  document.addEventListener('click', function (ev) {
    var f = ev.target.closest && ev.target.closest('[data-fav]');
    if (f) {
      ev.preventDefault();
      var id = f.getAttribute('data-fav'), fav = get(FAV), i = fav.indexOf(id);
      if (i >= 0) fav.splice(i, 1); else { fav.unshift(id); fav = fav.slice(0, MAXFAV); }
      set(FAV, fav);
      sync();
      if (i >= 0 && document.querySelector('[data-fav-page]')) {
        var card = f.closest('.card');
        if (card) card.remove();
        history.replaceState(null, '', fav.length ? '/merkliste?ids=' + fav.join(',') : '/merkliste');
      }
      return;
    }
    var c = ev.target.closest && ev.target.closest('[data-cmp]');
    if (c) {
      ev.preventDefault();
      var cid = c.getAttribute('data-cmp'), cmp = get(CMP), k = cmp.indexOf(cid);
      if (k >= 0) { cmp.splice(k, 1); set(CMP, cmp); sync(); say(bar ? bar.getAttribute('data-removed') : ''); if (bar && cmp.length === 0) bar.hidden = true; return; }
      if (cmp.length >= MAXCMP) {
        if (bar) { bar.hidden = false; say(bar.getAttribute('data-full')); }
        return;
      }
      cmp.push(cid);
      set(CMP, cmp);
      sync();
      say(bar ? bar.getAttribute('data-added') : '');
      return;
    }
    var r = ev.target.closest && ev.target.closest('[data-cmp-remove]');
    if (r) {
      var list = get(CMP), j = list.indexOf(r.getAttribute('data-cmp-remove'));
      if (j >= 0) { list.splice(j, 1); set(CMP, list); }
    }
  });
  // the favourites page shows what this browser stored
  var favPage = document.querySelector('[data-fav-page]');
  if (favPage && !account && !favPage.hasAttribute('data-fav-asked')) {
    var ids = get(FAV);
    if (ids.length) { location.replace('/merkliste?ids=' + ids.join(',')); return; }
  }
  // the comparison page: what is shown is the list
  if (document.querySelector('[data-compare-page]')) {
    var shown = [];
    document.querySelectorAll('[data-cmp-remove]').forEach(function (x) { shown.push(x.getAttribute('data-cmp-remove')); });
    if (shown.length) set(CMP, shown.slice(0, MAXCMP));
  }
  document.addEventListener('cc24:content', sync);
  sync();
})();

// A logged-in buyer's favourites live in the account: the heart is a form (it works
// without this script); here it posts in the background and the page stays. What this
// browser had stored before the login is merged into the account once, then forgotten.
(function () {
  'use strict';
  if (!document.body.hasAttribute('data-buyer') || !window.fetch || !window.URLSearchParams) return;
  var csrf = document.body.getAttribute('data-csrf') || '';
  var FAV = 'cc24.favourites';
  function counts(n) {
    document.querySelectorAll('[data-fav-count]').forEach(function (c) { c.textContent = String(n); c.hidden = n === 0; });
  }
  function mark(ids) {
    document.querySelectorAll('form[data-fav-form]').forEach(function (f) {
      var b = f.querySelector('button[name=action]'), v = f.querySelector('input[name=vehicle]');
      if (!b || !v) return;
      var on = ids.indexOf(v.value) >= 0;
      b.value = on ? 'remove' : 'add';
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
    });
  }
  function post(body) {
    body.set('_csrf', csrf);
    return fetch('/konto/merkliste', { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' }, body: body })
      .then(function (r) { return r.ok || r.status === 409 ? r.json() : Promise.reject(r.status); });
  }
  document.addEventListener('submit', function (ev) {
    var f = ev.target;
    if (!f.matches || !f.matches('form[data-fav-form]')) return;
    var b = f.querySelector('button[name=action]');
    if (!b) return;
    ev.preventDefault();
    var action = b.value, body = new URLSearchParams(new FormData(f));
    body.set('action', action);
    b.disabled = true;
    post(body).then(function (j) {
      mark(j.favourites);
      counts(j.count);
      var card = f.closest('.card');
      if (action === 'remove' && card && document.querySelector('[data-fav-page]')) card.remove();
    }).catch(function () {
      // the plain form, as without this script
      var h = document.createElement('input');
      h.type = 'hidden'; h.name = 'action'; h.value = action;
      f.appendChild(h);
      f.submit();
    }).then(function () { b.disabled = false; });
  });
  var local = [];
  try {
    var v = JSON.parse(window.localStorage.getItem(FAV) || '[]');
    if (Array.isArray(v)) local = v.filter(function (x) { return /^[0-9a-z]{16}$/.test(x); }).slice(0, 50);
  } catch (e) { local = []; }
  if (!local.length) return;
  var body = new URLSearchParams();
  body.set('action', 'merge');
  body.set('vehicle', local.join(','));
  post(body).then(function (j) {
    try { window.localStorage.removeItem(FAV); } catch (e) { /* private mode */ }
    mark(j.favourites);
    counts(j.count);
    if (j.changed && document.querySelector('[data-fav-page]')) location.reload();
  }).catch(function () { /* kept for the next page */ });
})();

// Vehicle page: gallery (buttons, arrow keys, swipe via scroll snapping, thumbnails),
// share (Web Share API or copy the link), print, and the test-drive shortcut.
(function () {
  'use strict';
  document.querySelectorAll('[data-gallery]').forEach(function (g) {
    var track = g.querySelector('.gallery-track');
    var slides = track ? track.children : [];
    if (!slides.length) return;
    var prev = g.querySelector('[data-gallery-prev]'), next = g.querySelector('[data-gallery-next]');
    var index = g.querySelector('[data-gallery-index]');
    var thumbs = g.querySelectorAll('[data-gallery-thumb]');
    var cur = 0;
    function show(i) {
      cur = Math.max(0, Math.min(slides.length - 1, i));
      track.scrollTo({ left: slides[cur].offsetLeft, behavior: 'smooth' });
    }
    function mark() {
      var i = Math.round(track.scrollLeft / Math.max(1, track.clientWidth));
      cur = Math.max(0, Math.min(slides.length - 1, i));
      if (index) index.textContent = String(cur + 1);
      thumbs.forEach(function (t, k) { if (k === cur) t.setAttribute('aria-current', 'true'); else t.removeAttribute('aria-current'); });
      if (prev) prev.disabled = cur === 0;
      if (next) next.disabled = cur === slides.length - 1;
    }
    if (prev) { prev.hidden = false; prev.addEventListener('click', function () { show(cur - 1); }); }
    if (next) { next.hidden = false; next.addEventListener('click', function () { show(cur + 1); }); }
    thumbs.forEach(function (t) {
      t.addEventListener('click', function (ev) { ev.preventDefault(); show(+t.getAttribute('data-gallery-thumb')); });
    });
    track.addEventListener('keydown', function (ev) {
      if (ev.key === 'ArrowRight') { ev.preventDefault(); show(cur + 1); }
      if (ev.key === 'ArrowLeft') { ev.preventDefault(); show(cur - 1); }
      if (ev.key === 'Home') { ev.preventDefault(); show(0); }
      if (ev.key === 'End') { ev.preventDefault(); show(slides.length - 1); }
    });
    var t = null;
    track.addEventListener('scroll', function () { clearTimeout(t); t = setTimeout(mark, 60); });
    // full screen: the gallery itself (photos contained, Escape or the button leaves)
    var full = g.querySelector('[data-gallery-full]');
    if (full && g.requestFullscreen && g.querySelector('picture')) {
      full.hidden = false;
      var openLabel = full.getAttribute('aria-label'), closeLabel = full.getAttribute('data-close');
      full.addEventListener('click', function () {
        if (document.fullscreenElement === g) document.exitFullscreen();
        else g.requestFullscreen().then(function () { show(cur); track.focus(); }).catch(function () {});
      });
      document.addEventListener('fullscreenchange', function () {
        var on = document.fullscreenElement === g;
        g.classList.toggle('is-full', on);
        full.setAttribute('aria-label', on ? closeLabel : openLabel);
        full.textContent = on ? '×' : '⤢';
        setTimeout(function () { show(cur); }, 50);
      });
      g.querySelectorAll('.slide picture img').forEach(function (img) {
        img.addEventListener('dblclick', function () { full.click(); });
      });
    }
    mark();
  });
  document.querySelectorAll('[data-share]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () {
      var url = b.getAttribute('data-share-url'), title = b.getAttribute('data-share-title');
      if (navigator.share) { navigator.share({ title: title, url: url }).catch(function () {}); return; }
      var done = function () { var s = b.querySelector('span'); if (s) { var old = s.textContent; s.textContent = b.getAttribute('data-copied'); setTimeout(function () { s.textContent = old; }, 2000); } };
      if (navigator.clipboard) navigator.clipboard.writeText(url).then(done, function () { window.prompt('', url); });
      else window.prompt('', url);
    });
  });
  document.querySelectorAll('[data-print]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { window.print(); });
  });
  document.querySelectorAll('a[data-kind]').forEach(function (a) {
    a.addEventListener('click', function () {
      var r = document.querySelector('input[name=kind][value="' + a.getAttribute('data-kind') + '"]');
      if (r) r.checked = true;
      setTimeout(function () { var n = document.getElementById('lead-name'); if (n) n.focus(); }, 0);
    });
  });
  // after the page has scrolled to #kontakt, put the focus on the list of errors
  var summary = document.querySelector('[data-error-summary]');
  if (summary) {
    var focus = function () { setTimeout(function () { summary.focus(); }, 0); };
    if (document.readyState === 'complete') focus(); else window.addEventListener('load', focus);
  }
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

// Dashboard: the photos of a vehicle. Drop or choose many files at once; each goes
// up on its own (three at a time) with a progress bar, then shows "processing" until
// the server has made its variants (polled). Reorder by dragging or with the arrow
// buttons / Alt+arrow keys (the first photo is the cover), an alt text per photo,
// delete (click twice), retry a failed one. Texts come from the page (German or
// English), the API answers problem+json whose detail is shown as it is.
(function () {
  var box = document.querySelector('[data-photos]');
  if (!box) return;
  var vid = box.getAttribute('data-vehicle');
  var csrf = box.getAttribute('data-csrf');
  var maxPhotos = +box.getAttribute('data-max') || 60;
  var maxBytes = (+box.getAttribute('data-max-mb') || 40) * 1024 * 1024;
  var T = {};
  try { T = JSON.parse(document.getElementById('photo-texts').textContent); } catch (e) { /* defaults below */ }
  function t(k, n) { var s = T[k] || k; return n === undefined ? s : s.replace('%d', n); }
  var list = box.querySelector('[data-photo-list]');
  var input = box.querySelector('[data-file]');
  var zone = box.querySelector('[data-dropzone]');
  var status = box.querySelector('[data-photo-status]');
  var counter = box.querySelector('[data-photo-count]');
  var api = '/api/v1/vehicles/' + vid + '/photos';
  var queue = [], active = 0, polling = null;

  function say(msg) { if (status) { status.textContent = ''; setTimeout(function () { status.textContent = msg; }, 30); } }
  function items() { return Array.prototype.slice.call(list.querySelectorAll('.photo-item')); }
  function stored() { return items().filter(function (li) { return li.hasAttribute('data-photo'); }); }
  function count() {
    var n = items().length;
    if (counter) counter.textContent = n + ' / ' + maxPhotos;
    var empty = box.querySelector('[data-photo-empty]');
    if (empty) empty.hidden = n > 0;
    items().forEach(function (li, i) {
      li.classList.toggle('is-cover', i === 0);
      var pos = li.querySelector('[data-pos]');
      if (pos) pos.textContent = i === 0 ? t('cover') : String(i + 1);
    });
  }
  function request(method, url, body) {
    var h = { 'X-CSRF-Token': csrf, 'Accept': 'application/json' };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    return fetch(url, { method: method, headers: h, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (r) {
        if (r.status === 204) return null;
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (!r.ok) throw new Error(j.detail || t('failed'));
          return j;
        });
      });
  }
  function thumbUrl(p) {
    var best = null;
    (p.variants || []).forEach(function (v) {
      if (v.format !== 'webp' && v.format !== 'jpeg') return;
      if (!best || (v.width >= 320 && (best.width < 320 || v.width < best.width)) || (best.width < 320 && v.width > best.width)) best = v;
    });
    return best ? best.url : null;
  }
  // One list entry: built for uploads in flight and for photos from the API.
  function item(p) {
    var li = document.createElement('li');
    li.className = 'photo-item';
    li.tabIndex = 0;
    li.innerHTML = '<div class="photo-thumb"></div><span class="photo-pos" data-pos></span>' +
      '<div class="photo-meta"><span class="photo-state" data-state-label></span>' +
      '<progress max="100" value="0" hidden></progress>' +
      '<label class="photo-alt"><span class="visually-hidden"></span><input type="text" maxlength="200" data-alt></label>' +
      '<div class="photo-actions"><button type="button" class="icon-btn" data-move="-1"></button>' +
      '<button type="button" class="icon-btn" data-move="1"></button>' +
      '<button type="button" class="btn btn-ghost btn-small" data-retry hidden></button>' +
      '<button type="button" class="btn btn-ghost btn-small" data-delete></button></div></div>';
    li.querySelector('[data-move="-1"]').textContent = '←';
    li.querySelector('[data-move="-1"]').setAttribute('aria-label', t('earlier'));
    li.querySelector('[data-move="1"]').textContent = '→';
    li.querySelector('[data-move="1"]').setAttribute('aria-label', t('later'));
    li.querySelector('[data-retry]').textContent = t('retry');
    li.querySelector('[data-delete]').textContent = t('delete');
    li.querySelector('.photo-alt span').textContent = t('alt');
    li.querySelector('[data-alt]').placeholder = t('alt');
    if (p) fill(li, p);
    return li;
  }
  function fill(li, p) {
    li.setAttribute('data-photo', p.id);
    li.setAttribute('data-state', p.state);
    li.draggable = true;
    var img = li.querySelector('.photo-thumb img');
    var url = p.state === 'ready' ? thumbUrl(p) : null;
    if (url) {
      if (!img || img.getAttribute('data-local')) {
        var th = li.querySelector('.photo-thumb');
        th.innerHTML = '';
        img = document.createElement('img');
        th.appendChild(img);
      }
      img.src = url;
      img.alt = p.alt || '';
      img.width = p.width; img.height = p.height;
    }
    var label = li.querySelector('[data-state-label]');
    label.textContent = p.state === 'ready' ? '' : p.state === 'failed' ? (p.error || t('failed')) : t('processing');
    li.classList.toggle('is-failed', p.state === 'failed');
    li.classList.toggle('is-busy', p.state === 'processing');
    li.querySelector('[data-retry]').hidden = p.state !== 'failed';
    var alt = li.querySelector('[data-alt]');
    if (document.activeElement !== alt) alt.value = p.alt || '';
    alt.disabled = false;
    li.querySelector('progress').hidden = true;
    li.setAttribute('aria-label', t('photo') + ' ' + (items().indexOf(li) + 1) + (p.alt ? ': ' + p.alt : ''));
  }
  function error(li, msg) {
    li.classList.add('is-failed');
    li.classList.remove('is-busy');
    li.querySelector('progress').hidden = true;
    li.querySelector('[data-state-label]').textContent = msg;
    var d = li.querySelector('[data-delete]');
    d.textContent = t('dismiss');
    d.setAttribute('data-dismiss', '');
  }

  // ---- upload ----
  function add(files) {
    files = Array.prototype.slice.call(files || []);
    var room = maxPhotos - items().length;
    files.forEach(function (f, i) {
      var li = item(null);
      li.classList.add('is-busy');
      li.querySelector('[data-alt]').disabled = true;
      li.querySelector('[data-state-label]').textContent = f.name;
      list.appendChild(li);
      if (i >= room) return error(li, t('too_many', maxPhotos));
      if (f.size > maxBytes) return error(li, t('too_large', maxBytes / 1048576));
      if (f.size === 0) return error(li, t('empty'));
      if (/^image\/(jpeg|png|webp|avif)$/.test(f.type)) {
        var img = document.createElement('img');
        img.setAttribute('data-local', '1');
        img.alt = '';
        img.src = URL.createObjectURL(f);
        img.onload = function () { URL.revokeObjectURL(img.src); };
        li.querySelector('.photo-thumb').appendChild(img);
      }
      var bar = li.querySelector('progress');
      bar.hidden = false;
      queue.push({ file: f, li: li });
    });
    count();
    say(t('uploading', files.length));
    pump();
  }
  var added = 0;
  function pump() {
    while (active < 3 && queue.length) send(queue.shift());
  }
  function send(job) {
    active++;
    var xhr = new XMLHttpRequest();
    var fd = new FormData();
    fd.append('photo', job.file, job.file.name);
    xhr.open('POST', api);
    xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.setRequestHeader('Accept', 'application/json');
    var bar = job.li.querySelector('progress');
    xhr.upload.onprogress = function (ev) { if (ev.lengthComputable) bar.value = Math.round(ev.loaded * 100 / ev.total); };
    xhr.onload = function () {
      var j = {};
      try { j = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 201 && j.photos && j.photos.length) {
        fill(job.li, j.photos[0]);
        added++;
        watch();
      } else {
        var d = (j.errors && j.errors[0] && j.errors[0].detail) || j.detail || t('failed');
        error(job.li, d);
      }
      done();
    };
    xhr.onerror = xhr.onabort = function () { error(job.li, t('network')); done(); };
    xhr.send(fd);
  }
  function done() {
    active--;
    count();
    if (!queue.length && !active) {
      say(t('uploaded'));
      // three uploads run at once and the server numbers them as they finish: the order
      // the dealer sees (the order of the files) is the one that counts
      if (added) { added = 0; saveOrder(t('uploaded')); }
    }
    pump();
  }

  // ---- state of processing photos ----
  function watch() {
    if (polling) return;
    polling = setInterval(function () {
      if (!list.querySelector('.photo-item[data-state="processing"]')) { clearInterval(polling); polling = null; return; }
      request('GET', api).then(function (j) {
        (j.photos || []).forEach(function (p) {
          var li = list.querySelector('.photo-item[data-photo="' + p.id + '"]');
          if (li && li.getAttribute('data-state') !== p.state) {
            fill(li, p);
            if (p.state === 'failed') say(t('failed') + ': ' + (p.error || ''));
          }
        });
      }).catch(function () { /* try again next tick */ });
    }, 1500);
  }

  // ---- order ----
  var saveTimer = null;
  function saveOrder(msg) {
    count();
    clearTimeout(saveTimer);
    saveTimer = setTimeout(function () {
      var order = stored().map(function (li) { return li.getAttribute('data-photo'); });
      request('PATCH', api, { order: order }).then(function () { say(msg || t('order_saved')); })
        .catch(function (e) { say(e.message); });
    }, 250);
  }
  function move(li, d) {
    var all = items(), i = all.indexOf(li), j = i + d;
    if (j < 0 || j >= all.length) return;
    if (d < 0) list.insertBefore(li, all[j]); else list.insertBefore(li, all[j].nextSibling);
    li.focus();
    saveOrder(t('moved', j + 1));
  }
  list.addEventListener('click', function (ev) {
    var b = ev.target.closest('button');
    if (!b) return;
    var li = b.closest('.photo-item');
    if (b.hasAttribute('data-move')) return move(li, +b.getAttribute('data-move'));
    if (b.hasAttribute('data-dismiss')) { li.remove(); count(); return; }
    var id = li.getAttribute('data-photo');
    if (b.hasAttribute('data-retry') && id) {
      request('POST', api + '/' + id + '/retry').then(function (p) { fill(li, p); watch(); }).catch(function (e) { say(e.message); });
      return;
    }
    if (b.hasAttribute('data-delete') && id) {
      if (!b.hasAttribute('data-armed')) {
        b.setAttribute('data-armed', '');
        b.textContent = t('confirm_delete');
        setTimeout(function () { b.removeAttribute('data-armed'); b.textContent = t('delete'); }, 4000);
        return;
      }
      request('DELETE', api + '/' + id).then(function () { li.remove(); count(); say(t('deleted')); })
        .catch(function (e) { say(e.message); });
    }
  });
  list.addEventListener('keydown', function (ev) {
    var li = ev.target.closest('.photo-item');
    if (!li || ev.target !== li || !ev.altKey) return;
    if (ev.key === 'ArrowLeft' || ev.key === 'ArrowUp') { ev.preventDefault(); move(li, -1); }
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowDown') { ev.preventDefault(); move(li, 1); }
  });
  list.addEventListener('change', function (ev) {
    if (!ev.target.hasAttribute('data-alt')) return;
    var li = ev.target.closest('.photo-item'), id = li.getAttribute('data-photo');
    if (!id) return;
    request('PATCH', api + '/' + id, { alt: ev.target.value }).then(function (p) { fill(li, p); say(t('alt_saved')); })
      .catch(function (e) { say(e.message); });
  });

  // drag to reorder (photos) and drop to upload (files)
  var dragged = null;
  list.addEventListener('dragstart', function (ev) {
    dragged = ev.target.closest('.photo-item[data-photo]');
    if (!dragged) return;
    dragged.classList.add('is-dragging');
    ev.dataTransfer.effectAllowed = 'move';
    try { ev.dataTransfer.setData('text/plain', dragged.getAttribute('data-photo')); } catch (e) { /* IE */ }
  });
  list.addEventListener('dragover', function (ev) {
    if (!dragged) return;
    ev.preventDefault();
    var over = ev.target.closest('.photo-item');
    if (!over || over === dragged) return;
    var r = over.getBoundingClientRect();
    var after = (ev.clientX - r.left) > r.width / 2;
    list.insertBefore(dragged, after ? over.nextSibling : over);
  });
  list.addEventListener('dragend', function () {
    if (!dragged) return;
    dragged.classList.remove('is-dragging');
    var li = dragged;
    dragged = null;
    saveOrder(t('moved', items().indexOf(li) + 1));
  });
  function hasFiles(ev) { return ev.dataTransfer && Array.prototype.indexOf.call(ev.dataTransfer.types || [], 'Files') >= 0; }
  ['dragenter', 'dragover'].forEach(function (n) {
    box.addEventListener(n, function (ev) { if (!hasFiles(ev)) return; ev.preventDefault(); zone.classList.add('is-over'); });
  });
  ['dragleave', 'drop'].forEach(function (n) {
    box.addEventListener(n, function (ev) { if (!hasFiles(ev)) return; ev.preventDefault(); zone.classList.remove('is-over'); });
  });
  box.addEventListener('drop', function (ev) { if (hasFiles(ev)) add(ev.dataTransfer.files); });
  input.addEventListener('change', function () { add(input.files); input.value = ''; });
  zone.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); input.click(); } });
  count();
  if (list.querySelector('.photo-item[data-state="processing"]')) watch();
})();

// Dashboard profile: the dealer's logo. Choosing a file uploads it at once (it
// replaces the old one); the page reloads when the server has made the PNG/WebP
// variants, so the preview is the logo the showroom shows. "Remove" deletes it.
(function () {
  var box = document.querySelector('[data-logo]');
  if (!box) return;
  var csrf = box.getAttribute('data-csrf');
  var input = box.querySelector('[data-logo-file]');
  var del = box.querySelector('[data-logo-delete]');
  var status = box.querySelector('[data-logo-status]');
  var T = {};
  try { T = JSON.parse(document.getElementById('logo-texts').textContent); } catch (e) { /* keys as texts */ }
  function say(k, detail) { status.textContent = detail || T[k] || k; }
  function problem(r) {
    return r.json().catch(function () { return {}; }).then(function (j) {
      var first = j.errors && j.errors[0] ? j.errors[0].detail : '';
      throw new Error(first || j.detail || T.failed);
    });
  }
  function reloadWhenReady(tries) {
    fetch(location.pathname, { credentials: 'same-origin' }).then(function (r) { return r.text(); }).then(function (html) {
      if (html.indexOf('data-processing') < 0) location.reload();
      else if (tries > 0) setTimeout(function () { reloadWhenReady(tries - 1); }, 700);
    });
  }
  input.addEventListener('change', function () {
    var f = input.files && input.files[0];
    if (!f) return;
    var fd = new FormData();
    fd.append('logo', f, f.name);
    say('processing');
    fetch('/api/v1/dealer/logo', { method: 'POST', body: fd, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf, 'Accept': 'application/json' } })
      .then(function (r) { if (r.status !== 201) return problem(r); return r.json(); })
      .then(function () { say('saved'); reloadWhenReady(40); })
      .catch(function (e) { say('failed', e.message); });
    input.value = '';
  });
  if (del) del.addEventListener('click', function () {
    fetch('/api/v1/dealer/logo', { method: 'DELETE', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } })
      .then(function (r) { if (r.status !== 204) return problem(r); say('deleted'); location.reload(); })
      .catch(function (e) { say('failed', e.message); });
  });
})();
