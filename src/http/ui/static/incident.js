/* global document, window */
// The incident page's keyboard shortcuts and clocks. The page works without this script: every
// action is a form button; the clocks are right at load and only tick here.
(function () {
  'use strict';
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
  }
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var note = document.getElementById('incident-note');
    // Ctrl/⌘+Enter is handled below; a plain key in a field types.
    if (typing(document.activeElement)) return;
    if (e.key === 'n' && note) {
      e.preventDefault();
      note.focus();
      return;
    }
    var button = document.querySelector('.actionbar button[data-key="' + e.key + '"]');
    if (button && e.key !== 'Enter') {
      e.preventDefault();
      button.click();
    }
  });
  // Ctrl/⌘+Enter in the note adds it.
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey)) return;
    if (!document.activeElement || document.activeElement.id !== 'incident-note') return;
    var add = document.querySelector('.actionbar button[value="note"]');
    if (add) {
      e.preventDefault();
      add.click();
    }
  });
  // The same rules as the server's duration() (components.ts): round once to the unit shown.
  function span(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + 's';
    if (s < 3600) return s % 60 ? Math.floor(s / 60) + 'm ' + (s % 60) + 's' : s / 60 + 'm';
    var m = Math.round(s / 60);
    if (m < 1440) return Math.floor(m / 60) + 'h ' + (m % 60) + 'm';
    var h = Math.round(m / 60);
    return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll('[data-since]').forEach(function (el) { el.textContent = span(now - Number(el.getAttribute('data-since'))); });
    document.querySelectorAll('[data-until]').forEach(function (el) { el.textContent = span(Number(el.getAttribute('data-until')) - now); });
  }
  window.setInterval(tick, 15000);
})();
