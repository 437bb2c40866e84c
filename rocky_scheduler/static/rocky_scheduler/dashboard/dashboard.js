// Scheduler dashboard: draws the throughput charts and refreshes the page from its JSON endpoint.
// The server renders the first paint; every refresh rebuilds the same markup from the same JSON.
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var root = document.getElementById("dashboard");
  if (!root) return;
  var dataUrl = root.dataset.url;
  var refreshMs = parseInt(root.dataset.refreshMs, 10) || 5000;
  var current = JSON.parse(document.getElementById("dashboard-data").textContent);
  var timer = null;
  // Translated words from the server (json_script), so a refresh keeps the page in the reader's language.
  var labelsNode = document.getElementById("dashboard-labels");
  var labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
  function t(text) {
    return labels[text] || text;
  }
  // A translated text with {name} placeholders filled in (numbers, times: never markup).
  function tf(text, values) {
    return t(text).replace(/\{(\w+)\}/g, function (match, name) {
      return name in values ? String(values[name]) : match;
    });
  }
  function ago(when) {
    return t("%s ago").replace("%s", when);
  }

  // Builds an element; strings become text nodes, so organisation names and OOIs are never parsed as HTML.
  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function link(url, attrs, children) {
    return url ? h("a", Object.assign({ href: url }, attrs), children) : h("span", attrs, children);
  }

  function schedulerCard(scheduler, data) {
    var head = h("header", { class: "card-head" }, [
      h("h3", {}, [scheduler.id]),
      scheduler.paused ? h("span", { class: "badge badge-paused" }, [t("paused")]) : null,
      h("span", { class: "card-limit" }, [tf("max {limit}", { limit: scheduler.maxsize_display })]),
    ]);
    var kpis = h("dl", { class: "kpis" }, [
      kpi(t("Queued"), "queued", scheduler.queued_display, false),
      kpi(t("Oldest queued"), "oldest", scheduler.oldest_queued_age, false),
      kpi(t("Stuck"), "stuck", scheduler.stuck_display, scheduler.stuck > 0),
    ]);
    var depth = h(
      "ul",
      { class: "depth", "aria-label": t("Tasks by status") },
      scheduler.statuses.map(function (row) {
        return h("li", { "data-status": row.status, class: row.alert ? "alert" : null }, [
          link(row.url, {}, [
            h("span", { class: "depth-status" }, [row.status_label || row.status]),
            h("span", { class: "depth-count" }, [row.count_display]),
          ]),
        ]);
      })
    );
    var rates = h("p", { class: "rates" }, [
      h("span", { class: "legend legend-push" }, [t("pushes") + " ", h("b", { "data-kpi": "push-rate" }, [scheduler.push_rate]), "/min"]),
      h("span", { class: "legend legend-pop" }, [t("pops") + " ", h("b", { "data-kpi": "pop-rate" }, [scheduler.pop_rate]), "/min"]),
      h("span", { class: "rates-note" }, [tf("avg. last {minutes} min", { minutes: data.rate_minutes })]),
    ]);
    var chart = h("div", {
      class: "chart",
      "data-chart": scheduler.id,
      "aria-label": tf("Pushes and pops per minute, last {hours} h", { hours: data.hours }),
    });
    return h("article", { class: "card", "data-scheduler": scheduler.id }, [
      head,
      kpis,
      depth,
      h("div", { class: "throughput" }, [rates, chart]),
    ]);
  }

  function kpi(label, name, value, alert) {
    return h("div", { class: "kpi" }, [
      h("dt", {}, [label]),
      h("dd", { "data-kpi": name, class: alert ? "alert" : null }, [value]),
    ]);
  }

  function taskCell(task) {
    // One wrapper, so the narrow layout's two-column cell keeps the OOI under the task.
    return h("td", { "data-label": t("Task") }, [
      h("div", {}, [
        h("div", { class: "task" }, [
          link(task.url, { class: "mono", title: task.id }, [task.short_id]),
          " ",
          h("span", { class: "plugin" }, [task.plugin]),
        ]),
        task.input_ooi ? h("div", { class: "ooi", title: task.input_ooi }, ooiParts(task.input_ooi_parts)) : null,
      ]),
    ]);
  }

  // A line may break after each `|` of an OOI reference rather than in the middle of a host name.
  function ooiParts(parts) {
    return parts.flatMap(function (part, index) {
      return index ? ["|", h("wbr"), part] : [part];
    });
  }

  function cell(label, text, cls) {
    return h("td", { "data-label": label, class: cls || null }, [String(text)]);
  }

  function emptyRow(columns, text) {
    return h("tr", { class: "empty-row" }, [h("td", { colspan: String(columns) }, [text])]);
  }

  function replaceRows(tableId, rows) {
    var body = document.querySelector("#" + tableId + " tbody");
    body.replaceChildren.apply(body, rows);
  }

  // The services the catalogue reads (KATalogus, Octopoes): one line per service that is not answering.
  function renderExternals(data) {
    var banner = document.getElementById("dash-externals");
    if (!banner) return;
    var down = (data.externals || []).filter(function (external) {
      return !external.healthy;
    });
    banner.replaceChildren.apply(
      banner,
      down.map(function (external) {
        return h("p", { "data-external": external.service }, [external.message]);
      })
    );
    banner.hidden = down.length === 0;
  }

  function render(data) {
    document.getElementById("dash-updated").textContent = data.now_display;
    renderExternals(data);
    var cards = document.getElementById("dash-schedulers");
    cards.replaceChildren.apply(
      cards,
      data.schedulers.map(function (scheduler) {
        return schedulerCard(scheduler, data);
      })
    );
    replaceRows(
      "dash-organisations",
      data.organisations.length
        ? data.organisations.map(function (backlog) {
            return h("tr", {}, [
              h("td", { "data-label": t("Organisation") }, [link(backlog.url, {}, [backlog.organisation])]),
              cell(t("Queued"), backlog.queued_display, "num"),
              h("td", { "data-label": t("By scheduler") }, [
                h(
                  "div",
                  {},
                  backlog.split.map(function (part) {
                    return h("span", { class: "chip" }, [part.scheduler_id + " " + part.count_display]);
                  })
                ),
              ]),
            ]);
          })
        : [emptyRow(3, t("Nothing queued."))]
    );
    document.getElementById("dash-stuck-total").textContent = data.stuck_total;
    replaceRows(
      "dash-stuck",
      data.stuck.length
        ? data.stuck.map(function (task) {
            return h("tr", {}, [
              taskCell(task),
              cell(t("Scheduler"), task.scheduler_id),
              cell(t("Organisation"), task.organisation),
              cell(t("Status"), task.status_label || task.status),
              cell(t("Expired"), ago(task.ago), "when"),
              cell(t("Worker"), task.lease_owner),
            ]);
          })
        : [emptyRow(6, t("No stuck tasks."))]
    );
    replaceRows(
      "dash-failed",
      data.failed.length
        ? data.failed.map(function (task) {
            return h("tr", {}, [
              taskCell(task),
              cell(t("Scheduler"), task.scheduler_id),
              cell(t("Organisation"), task.organisation),
              cell(t("Failed"), ago(task.ago), "when"),
              cell(t("Attempts"), task.attempts, "num"),
              cell(t("Reason"), task.reason, "reason"),
            ]);
          })
        : [emptyRow(6, t("No failed tasks."))]
    );
    drawCharts(data);
  }

  // ---- Charts: inline SVG, one per scheduler, sized to its box so text stays at its real size.

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The smallest of 1, 2, 5 x 10^n at or above `value`, so gridline labels are round numbers.
  function niceCeiling(value) {
    if (value <= 1) return 1;
    var power = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * power >= value) return steps[i] * power;
    }
    return 10 * power;
  }

  function clock(ms) {
    var date = new Date(ms);
    return String(date.getUTCHours()).padStart(2, "0") + ":" + String(date.getUTCMinutes()).padStart(2, "0");
  }

  // Per-minute counts averaged over `per` minutes, so a narrow chart shows a trend, not a comb of spikes.
  function bucketed(series, per) {
    var out = [];
    for (var first = 0; first < series.length; first += per) {
      var slice = series.slice(first, first + per);
      out.push(slice.reduce(function (sum, value) { return sum + value; }, 0) / slice.length);
    }
    return out;
  }

  function formatRate(value) {
    return value === Math.round(value) ? String(value) : value.toFixed(1);
  }

  function drawChart(box, pushes, pops, chart) {
    var width = Math.max(box.clientWidth, 200);
    var height = 150;
    var pad = { left: 34, right: 10, top: 10, bottom: 22 };
    var plotW = width - pad.left - pad.right;
    var plotH = height - pad.top - pad.bottom;
    var minutes = chart.minutes;
    // At least 4 px per point.
    var per = [1, 2, 3, 5, 10, 15, 30, 60].find(function (k) {
      return plotW / Math.ceil(minutes / k) >= 4;
    }) || 60;
    var pushRates = bucketed(pushes, per);
    var popRates = bucketed(pops, per);
    var count = pushRates.length;
    var peak = niceCeiling(Math.max.apply(null, pushRates.concat(popRates, [0])));
    // Each bucket is drawn at the middle of the minutes it covers.
    var minuteX = function (minute) {
      return pad.left + (minutes > 1 ? (minute / (minutes - 1)) * plotW : 0);
    };
    var x = function (bucket) {
      var last = Math.min(minutes, (bucket + 1) * per) - 1;
      return minuteX((bucket * per + last) / 2);
    };
    var y = function (value) {
      return pad.top + plotH - (value / peak) * plotH;
    };
    var note = [t("per minute")]
      .concat(per > 1 ? [tf("averaged over {minutes} min", { minutes: per })] : [], [t("times in UTC")])
      .join(", ");
    var root = svg("svg", {
      width: width,
      height: height,
      viewBox: "0 0 " + width + " " + height,
      role: "img",
      "aria-label": (box.getAttribute("aria-label") || t("Pushes and pops")) + " (" + note + ")",
    });
    // Gridlines at 0, half and the top; a half that is not a round number is left out.
    [0, peak / 2, peak].forEach(function (value) {
      if (value !== Math.round(value)) return;
      root.appendChild(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value), class: "grid" }));
      root.appendChild(svg("text", { x: pad.left - 6, y: y(value) + 4, "text-anchor": "end", class: "tick" }, String(value)));
    });
    // Time ticks on round minutes, at least 70 px apart so labels never touch.
    var steps = [5, 10, 15, 30, 60, 120, 180, 360, 720];
    var step = steps.find(function (candidate) {
      return (candidate / minutes) * plotW >= 70;
    }) || minutes;
    for (var minute = 0; minute < minutes; minute++) {
      var ms = chart.start_ms + minute * 60000;
      if ((ms / 60000) % step !== 0) continue;
      var tickX = minuteX(minute);
      if (tickX < pad.left + 16 || tickX > width - pad.right - 16) continue;
      root.appendChild(svg("line", { x1: tickX, x2: tickX, y1: pad.top + plotH, y2: pad.top + plotH + 4, class: "axis" }));
      root.appendChild(svg("text", { x: tickX, y: height - 6, "text-anchor": "middle", class: "tick" }, clock(ms)));
    }
    root.appendChild(svg("line", { x1: pad.left, x2: width - pad.right, y1: pad.top + plotH, y2: pad.top + plotH, class: "axis" }));
    var points = function (series) {
      return series.map(function (value, i) {
        return x(i).toFixed(1) + "," + y(value).toFixed(1);
      });
    };
    var pushPoints = points(pushRates);
    var baseline = y(0).toFixed(1);
    root.appendChild(svg("polygon", {
      points: [x(0).toFixed(1) + "," + baseline].concat(pushPoints, [x(count - 1).toFixed(1) + "," + baseline]).join(" "),
      class: "area-push",
    }));
    root.appendChild(svg("polyline", { points: pushPoints.join(" "), class: "line-push" }));
    root.appendChild(svg("polyline", { points: points(popRates).join(" "), class: "line-pop" }));
    var cursor = svg("line", { x1: 0, x2: 0, y1: pad.top, y2: pad.top + plotH, class: "cursor", visibility: "hidden" });
    root.appendChild(cursor);
    var readout = box.nextElementSibling;
    readout.textContent = note;
    root.addEventListener("pointermove", function (event) {
      var bounds = root.getBoundingClientRect();
      var minute = ((event.clientX - bounds.left - pad.left) / plotW) * (minutes - 1);
      var i = Math.min(count - 1, Math.max(0, Math.floor(minute / per)));
      var from = chart.start_ms + i * per * 60000;
      var span = per > 1 ? clock(from) + "–" + clock(from + (per - 1) * 60000) : clock(from);
      cursor.setAttribute("x1", x(i));
      cursor.setAttribute("x2", x(i));
      cursor.setAttribute("visibility", "visible");
      readout.textContent = tf("{time} UTC: {pushes} pushes, {pops} pops per minute", {
        time: span,
        pushes: formatRate(pushRates[i]),
        pops: formatRate(popRates[i]),
      });
    });
    root.addEventListener("pointerleave", function () {
      cursor.setAttribute("visibility", "hidden");
      readout.textContent = note;
    });
    box.replaceChildren(root);
  }

  function drawCharts(data) {
    data.schedulers.forEach(function (scheduler) {
      var box = document.querySelector('[data-chart="' + CSS.escape(scheduler.id) + '"]');
      if (!box) return;
      if (!box.nextElementSibling || !box.nextElementSibling.classList.contains("readout")) {
        box.after(h("p", { class: "readout", "aria-live": "off" }, []));
      }
      drawChart(box, scheduler.pushes, scheduler.pops, data.chart);
    });
  }

  // ---- Refresh

  function setState(text, isError) {
    var state = document.getElementById("dash-state");
    state.textContent = text;
    state.classList.toggle("alert", Boolean(isError));
  }

  function refresh() {
    fetch(dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 403) {
          return response.json().then(function (body) {
            throw new Error(body.detail);
          });
        }
        if (!response.ok) throw new Error(tf("refresh failed (HTTP {status})", { status: response.status }));
        return response.json();
      })
      .then(function (data) {
        current = data;
        render(data);
        setState("", false);
      })
      .catch(function (error) {
        setState(error.message || t("refresh failed"), true);
      })
      .finally(schedule);
  }

  function schedule() {
    clearTimeout(timer);
    // A hidden tab polls nothing; it refreshes as soon as it is shown again.
    if (!document.hidden) timer = setTimeout(refresh, refreshMs);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) refresh();
    else clearTimeout(timer);
  });

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      drawCharts(current);
    }, 150);
  });

  drawCharts(current);
  schedule();
})();
