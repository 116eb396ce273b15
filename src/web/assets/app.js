// fyrkant web UI: progressive enhancement only. Every page works without this file; it adds copy
// buttons, live call status (Server-Sent Events), raw SIP messages on click and confirmations.
// All visible texts come from data-* attributes the server filled from its message catalogues.
(() => {
  'use strict';

  function announce(el, text) {
    if (el) el.textContent = text;
  }

  // --- Copy buttons: <button data-copy="#id" data-copied="…" data-copy-failed="…" data-status="#id">
  document.querySelectorAll('button[data-copy]').forEach((button) => {
    button.hidden = false;
    button.addEventListener('click', () => {
      var source = document.querySelector(button.getAttribute('data-copy'));
      var status = document.querySelector(button.getAttribute('data-status'));
      if (!source) return;
      var text = (source.value !== undefined ? source.value : source.textContent).trim();
      var ok = () => {
        announce(status, button.getAttribute('data-copied'));
      };
      var fail = () => {
        var range = document.createRange();
        range.selectNodeContents(source);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        announce(status, button.getAttribute('data-copy-failed'));
      };
      if (navigator.clipboard?.writeText) navigator.clipboard.writeText(text).then(ok, fail);
      else fail();
    });
  });

  // --- Confirm before destructive posts: <form data-confirm="…">
  document.querySelectorAll('form[data-confirm]').forEach((form) => {
    form.addEventListener('submit', (event) => {
      if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
    });
  });

  // --- Phone form: check the obvious before the server (which validates for real) is asked.
  document.querySelectorAll('form[data-phone-form]').forEach((form) => {
    form.addEventListener('submit', (event) => {
      var number = form.querySelector('[name="number"]');
      var ext = form.querySelector('[name="extension"]');
      var problems = [];
      function mark(input, message) {
        var out = document.getElementById(input.id + '-error');
        input.setAttribute('aria-invalid', message ? 'true' : 'false');
        if (out) {
          out.textContent = message || '';
          out.hidden = !message;
        }
        if (message) problems.push(input);
      }
      if (number) mark(number, number.value.trim() ? '' : number.getAttribute('data-msg-required'));
      if (ext) mark(ext, /^[0-9*#,wW]*$/.test(ext.value.trim()) ? '' : ext.getAttribute('data-msg-invalid'));
      if (problems.length) {
        event.preventDefault();
        problems[0].focus();
      }
    });
  });

  // --- Live call status: <section data-live="/me/attempts/ID/events">
  document.querySelectorAll('[data-live]').forEach((box) => {
    if (!window.EventSource) return;
    var status = box.querySelector('[data-part="status"]');
    var reason = box.querySelector('[data-part="reason"]');
    var tip = box.querySelector('[data-part="tip"]');
    var phases = box.querySelectorAll('[data-phase-step]');
    var source = new EventSource(box.getAttribute('data-live'));
    var noscript = document.querySelector('[data-part="poll-note"]');
    if (noscript) noscript.hidden = true;
    source.addEventListener('status', (message) => {
      var s = JSON.parse(message.data);
      box.setAttribute('data-phase', s.phase);
      announce(status, s.status);
      if (reason) {
        reason.textContent = s.reason || '';
        reason.hidden = !s.reason;
      }
      if (tip) {
        tip.textContent = s.tip || '';
        tip.hidden = !s.tip;
      }
      var reached = true;
      phases.forEach((li) => {
        var step = li.getAttribute('data-phase-step');
        li.classList.remove('done', 'current');
        if (step === s.step) {
          li.classList.add(s.final ? 'done' : 'current');
          reached = false;
        } else if (reached) li.classList.add('done');
      });
      document.querySelectorAll('[data-show-on]').forEach((el) => {
        el.hidden = el.getAttribute('data-show-on').split(' ').indexOf(s.phase) < 0;
      });
      if (s.final) source.close();
      if (s.next) window.location.assign(s.next);
    });
  });

  // --- A form that answers another site (the Entra EAM response): <form data-autosubmit> posts itself.
  document.querySelectorAll('form[data-autosubmit]').forEach((form) => {
    form.submit();
  });

  // --- SIP ladder: an arrow opens its raw message below the picture.
  document.querySelectorAll('a.ladder-link').forEach((link) => {
    link.addEventListener('click', (event) => {
      var id = (link.getAttribute('href') || '').slice(1);
      var target = document.getElementById(id);
      if (!target) return;
      event.preventDefault();
      document.querySelectorAll('details.raw.highlight').forEach((d) => {
        d.classList.remove('highlight');
      });
      target.open = true;
      target.classList.add('highlight');
      target.scrollIntoView({ block: 'nearest' });
      var summary = target.querySelector('summary');
      if (summary) summary.focus();
    });
  });
  // --- issue 18c: the example number follows the chosen country.
  // <select data-example-for="hint-id"> with <option data-example="…">; the hint has data-template="… {example} …".
  document.querySelectorAll('select[data-example-for]').forEach((select) => {
    var hint = document.getElementById(select.getAttribute('data-example-for'));
    if (!hint?.getAttribute('data-template')) return;
    select.addEventListener('change', () => {
      var option = select.options[select.selectedIndex];
      var example = option ? option.getAttribute('data-example') : '';
      if (example) hint.textContent = hint.getAttribute('data-template').replace('{example}', example);
    });
  });
})();
