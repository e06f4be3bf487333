// codemill review: keyboard-driven judging. Plain JavaScript, no build step.
(function () {
  "use strict";
  var NAME_KEY = "codemill.review.reviewer";
  var who = document.getElementById("reviewer");
  var flashBox = document.getElementById("flash");
  var dataNode = document.getElementById("item-data");
  var item = dataNode ? JSON.parse(dataNode.textContent) : null;
  var panel = document.getElementById("rejectpanel");
  var reasonInput = document.getElementById("reject-reason");
  var record = document.getElementById("record");
  var busy = false;

  try { who.value = localStorage.getItem(NAME_KEY) || ""; } catch (e) { /* storage off: type it each time */ }
  who.addEventListener("change", function () {
    try { localStorage.setItem(NAME_KEY, who.value.trim()); } catch (e) { /* ignore */ }
  });

  function flash(kind, text) {
    var div = document.createElement("div");
    div.className = "msg " + kind;
    div.textContent = text;
    flashBox.innerHTML = "";
    flashBox.appendChild(div);
    if (kind === "ok") { setTimeout(function () { if (div.parentNode) { div.parentNode.removeChild(div); } }, 2500); }
  }

  function showVerdicts(verdicts) {
    var box = document.getElementById("verdicts");
    if (!box) { return; }
    box.innerHTML = "";
    Object.keys(verdicts).forEach(function (name) {
      var span = document.createElement("span");
      span.className = "verdict " + verdicts[name].split(" ")[0];
      span.textContent = name + ": " + verdicts[name];
      box.appendChild(span);
      box.appendChild(document.createTextNode(" "));
    });
  }

  function judge(verdict, reason) {
    if (!item || busy) { return; }
    var name = who.value.trim();
    if (!name) {
      flash("error", "Enter your reviewer name first (top right), then press Enter.");
      who.focus();
      return;
    }
    try { localStorage.setItem(NAME_KEY, name); } catch (e) { /* ignore */ }
    busy = true;
    fetch("/api/label", {
      method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
      body: JSON.stringify({ stage: item.stage, item_id: item.item_id, verdict: verdict, reason: reason || null,
                             reviewer: name, digest: item.digest, sample: item.sample })
    }).then(function (res) {
      return res.json().catch(function () { return { error: res.status + " " + res.statusText }; })
        .then(function (body) { return { ok: res.ok, status: res.status, body: body }; });
    }).then(function (r) {
      busy = false;
      if (!r.ok) { flash("error", r.status + ": " + (r.body.error || "failed")); return; }
      showVerdicts(r.body.verdicts || {});
      flash("ok", "saved: " + verdict + (reason ? " (" + reason + ")" : ""));
      if (item.next) { window.location.href = item.next; }
      else { flash("ok", "saved: " + verdict + ". That was the last item of the sample."); }
    }).catch(function (err) {
      busy = false;
      flash("error", "could not save: " + err);
    });
  }

  function openReject() {
    if (!panel) { return; }
    panel.hidden = false;
    reasonInput.value = "";
  }
  function closeReject() { if (panel) { panel.hidden = true; } }

  function toggleView() {
    if (!record) { return; }
    var split = record.classList.contains("view-split");
    record.classList.toggle("view-split", !split);
    record.classList.toggle("view-unified", split);
    Array.prototype.forEach.call(document.querySelectorAll(".viewname"), function (n) {
      n.textContent = split ? "unified" : "split";
    });
  }

  document.querySelectorAll("#judge button").forEach(function (b) {
    b.addEventListener("click", function () {
      var v = b.getAttribute("data-verdict");
      if (v === "reject") { openReject(); } else { judge(v); }
    });
  });
  document.querySelectorAll("#rejectpanel button").forEach(function (b) {
    b.addEventListener("click", function () { closeReject(); judge("reject", b.getAttribute("data-reason")); });
  });

  function go(id) {
    var a = document.getElementById(id);
    if (a) { window.location.href = a.href; }
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var t = ev.target;
    if (t === who) {
      if (ev.key === "Enter" || ev.key === "Escape") { who.blur(); who.dispatchEvent(new Event("change")); }
      return;
    }
    if (t === reasonInput) {
      if (ev.key === "Enter" && reasonInput.value.trim()) { closeReject(); judge("reject", reasonInput.value.trim()); }
      else if (ev.key === "Escape") { closeReject(); }
      return;
    }
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) { return; }
    if (panel && !panel.hidden) {
      var reasons = (item && item.reasons) || [];
      var k = parseInt(ev.key, 10);
      if (k >= 1 && k <= reasons.length) { ev.preventDefault(); closeReject(); judge("reject", reasons[k - 1]); }
      else if (ev.key === "Escape") { closeReject(); }
      else if (ev.key === "Enter" || ev.key === "/") { ev.preventDefault(); reasonInput.focus(); }
      return;
    }
    switch (ev.key) {
      case "a": judge("accept"); break;
      case "r": ev.preventDefault(); openReject(); break;
      case "s": judge("skip"); break;
      case "n": case "j": case "ArrowRight": go("next"); break;
      case "p": case "k": case "ArrowLeft": go("prev"); break;
      case "d": toggleView(); break;
      case "u": if (item && item.sample_url) { window.location.href = item.sample_url; } break;
      case "Enter": go("start"); break;
      case "?":
        flash("ok", "a accept · r reject (1-9 picks a reason) · s skip · n/j next · p/k previous · d diff view · u sample");
        break;
      default: return;
    }
  });
})();

// The stage page's sample form: a drop reason implies dropped rows.
(function () {
  "use strict";
  var reason = document.getElementById("reason");
  var role = document.getElementById("role");
  if (reason && role) {
    reason.addEventListener("change", function () { if (reason.value) { role.value = "dropped"; } });
    role.addEventListener("change", function () { if (role.value === "kept") { reason.value = ""; } });
  }
})();
