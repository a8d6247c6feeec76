// The sales board: cards are dragged between the stage columns (SortableJS); a drop posts
// the same form the card carries for use without JavaScript (and by keyboard), so the
// server decides and records the move. A failed move reloads the board as it is.
(function () {
  const board = document.querySelector('[data-board]');
  if (!board || typeof Sortable === 'undefined') return;
  const csrf = board.dataset.csrf;
  const move = async (card, stage, position) => {
    const body = new URLSearchParams({ _csrf: csrf, action: 'move', stage, position: String(position), back: 'board' });
    try {
      const r = await fetch(`/dashboard/verkauf/${card.dataset.deal}`, { method: 'POST', body, credentials: 'same-origin' });
      if (!r.ok) throw new Error(String(r.status));
      const sel = card.querySelector('select[name=stage]');
      if (sel) sel.value = stage;
      if (r.url && /[?&]|verkauf$/.test(r.url)) board.dispatchEvent(new CustomEvent('deal-moved', { detail: { deal: card.dataset.deal, stage } }));
    } catch (e) {
      window.alert(board.dataset.error);
      window.location.reload();
    }
  };
  board.querySelectorAll('.board-cards').forEach((list) => {
    Sortable.create(list, {
      group: 'deals',
      animation: 150,
      forceFallback: true, // pointer events: the same on touch screens and mice
      filter: 'select, button, a, input',
      preventOnFilter: false,
      onEnd(ev) {
        if (ev.from === ev.to && ev.oldIndex === ev.newIndex) return;
        move(ev.item, ev.to.dataset.stage, ev.newIndex);
      },
    });
  });
})();
