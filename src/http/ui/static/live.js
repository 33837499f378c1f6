/* global window, document, EventSource, CSS */
// Live updates for opsbook pages: every page works without this script; with it, parts marked
// data-live="TYPE:ID" are replaced when the server sends a fresher copy over server-sent events.
(function () {
  'use strict';
  if (!('EventSource' in window)) return;
  var status = document.querySelector('[data-live-status]');
  function say(text) { if (status) status.textContent = text; }
  // The open-incidents list as this page rendered it: the stream sends a fresh one if it changed since.
  var openList = document.querySelector('[data-live="incidents:open"][data-live-mark]');
  // It follows the page's team view (?team=): the list a person sees is their view's.
  var team = new URLSearchParams(window.location.search).get('team');
  // An execution's page names the execution and its mark: the stream follows it, and sends fresh parts
  // at once if a step ran or someone finished it since this page was rendered.
  var execution = document.querySelector('[data-live^="execution:"][data-live-mark]');
  var query = openList ? '?open=' + encodeURIComponent(openList.getAttribute('data-live-mark')) + (team ? '&team=' + encodeURIComponent(team) : '')
    : execution ? '?execution=' + encodeURIComponent(execution.getAttribute('data-live').slice('execution:'.length)) + '&mark=' + encodeURIComponent(execution.getAttribute('data-live-mark')) : '';
  var source = new EventSource('/ui/events' + query);
  var csrf = document.querySelector('meta[name="csrf-token"]');
  // Shared renderings carry no session: forms get this page's token; a read-only page takes the read-only copy.
  var readOnly = !!document.querySelector('[data-read-only]');
  source.onopen = function () { say('Live updates: on'); };
  source.onerror = function () { say('Live updates: reconnecting…'); };
  function apply(e) {
    var event;
    try { event = JSON.parse(e.data); } catch { return; }
    var key = event.type + ':' + event.id;
    var targets = document.querySelectorAll('[data-live="' + CSS.escape(key) + '"]');
    var markup = readOnly && event.readOnlyHtml !== undefined ? event.readOnlyHtml : event.html;
    if (markup === undefined) {
      if (targets.length) say('Live updates: ' + event.type + ' ' + event.id + ' changed — reload to see it');
      return;
    }
    for (var i = 0; i < targets.length; i++) {
      var el = targets[i];
      if (el.contains(document.activeElement)) continue; // never yank the control someone is using
      // Nor a form showing a refusal of what was typed in it: the person is mending it.
      if (el.querySelector('[aria-invalid="true"]')) continue;
      var holder = document.createElement(el.tagName === 'TR' ? 'tbody' : 'div');
      holder.innerHTML = markup;
      var fresh = holder.firstElementChild;
      if (!fresh) continue;
      // A note typed but not sent survives the refresh of the form around it.
      el.querySelectorAll('textarea').forEach(function (old) {
        var kept = old.name && fresh.querySelector('textarea[name="' + CSS.escape(old.name) + '"]');
        if (kept && old.value) kept.value = old.value;
      });
      // And a line typed but not sent (a new title): a field whose text differs from what the page gave it.
      el.querySelectorAll('input[type="text"], input:not([type])').forEach(function (old) {
        var kept = old.name && fresh.querySelector('input[name="' + CSS.escape(old.name) + '"]');
        if (kept && old.value !== old.defaultValue) kept.value = old.value;
      });
      // So does a choice made but not sent (a severity picked before pressing its button): the
      // refresh must not swap it back behind the responder's back.
      el.querySelectorAll('select').forEach(function (old) {
        var chosen = old.options[old.selectedIndex];
        var kept = old.name && fresh.querySelector('select[name="' + CSS.escape(old.name) + '"]');
        if (!kept || !chosen || chosen.defaultSelected || (old.selectedIndex === 0 && !old.querySelector('option[selected]'))) return;
        for (var k = 0; k < kept.options.length; k++) if (kept.options[k].value === old.value) kept.selectedIndex = k;
      });
      if (csrf) fresh.querySelectorAll('input[name="_csrf"]').forEach(function (input) { input.value = csrf.content; });
      el.replaceWith(fresh);
    }
    // A heading replaced carries the tab's title with it (an incident retitled).
    if (targets.length && event.data && typeof event.data.documentTitle === 'string') document.title = event.data.documentTitle;
  }
  ['check', 'checkstate', 'servicestate', 'incident', 'incidenttitle', 'incidenttitleform', 'incidents', 'incidentactions', 'incidenttimeline', 'incidentexec', 'execution', 'executionsteps', 'oncall'].forEach(function (type) {
    source.addEventListener(type, apply);
  });
})();
