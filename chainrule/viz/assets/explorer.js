// The chainrule graph explorer: steps the forward and backward passes over a graph
// that chainrule/viz/html.py embedded as EXPLORER = {graph, dot, svg, edge_labels}.
//
// Every gradient on the page is computed here from the local derivatives, one node at
// a time in reverse topological order, exactly as Value.backward() does; the values
// backward() left in Python are only used to check the result.
(function () {
  "use strict";

  const G = EXPLORER.graph;
  const NODES = G.nodes;
  const EDGES = G.edges;
  const ROOT = G.root;
  const INFIX = new Set(["+", "-", "*", "/", "**", "@"]);

  // operands[i]: edges into node i (one per operand slot); consumers[i]: edges out of it.
  const operands = NODES.map(() => []);
  const consumers = NODES.map(() => []);
  EDGES.forEach((edge, k) => {
    edge.k = k;
    operands[edge.c].push(edge);
    consumers[edge.p].push(edge);
  });

  // --- the steps: forward in topological order, then the seed, then backward ---------
  const STEPS = [];
  NODES.forEach((_, i) => STEPS.push({ kind: "forward", node: i }));
  STEPS.push({ kind: "seed", node: ROOT });
  for (let i = NODES.length - 1; i >= 0; i--) {
    if (operands[i].length) STEPS.push({ kind: "backward", node: i });
  }

  function emptyState() {
    return {
      computed: NODES.map(() => false),
      // Gradients start at 0 as in micrograd; null means "a Jacobian is involved":
      // the page then shows the tensor gradient backward() computed.
      grad: NODES.map(() => 0),
      started: false,
      contributions: NODES.map(() => []), // per node: {edge, value} in arrival order
      delivered: new Set(), // edge indices whose contribution has been added
    };
  }

  function apply(state, step) {
    const i = step.node;
    if (step.kind === "forward") {
      state.computed[i] = true;
    } else if (step.kind === "seed") {
      state.started = true;
      state.grad[i] = 1;
    } else {
      const upstream = state.grad[i];
      for (const edge of operands[i]) {
        const value = edge.local === null || upstream === null ? null : edge.local * upstream;
        const p = edge.p;
        state.grad[p] = value === null || state.grad[p] === null ? null : state.grad[p] + value;
        state.contributions[p].push({ edge: edge, value: value });
        state.delivered.add(edge.k);
      }
    }
  }

  function stateAt(position) {
    const state = emptyState();
    for (let t = 0; t < position; t++) apply(state, STEPS[t]);
    return state;
  }

  // --- formatting (mirrors format_number / format_short in html.py) ------------------
  function fmtNumber(x) {
    if (x === null || x === undefined) return "—";
    if (!isFinite(x)) return String(x).replace("Infinity", "inf").replace("NaN", "nan");
    if (x === 0 || (Math.abs(x) >= 1e-4 && Math.abs(x) < 1e6)) return x.toFixed(4);
    return x.toExponential(3);
  }
  // As chainrule.viz.explain's format_number: 3, -2, 0.8814, 1.5e-7.
  function fmtShort(x) {
    if (x === null || x === undefined) return "J";
    if (!isFinite(x)) return String(x).replace("Infinity", "inf").replace("NaN", "nan");
    if (x === 0) return "0";
    if (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e12) {
      const text = x.toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
      return text === "-0" ? "0" : text;
    }
    return String(Number(x.toPrecision(4)));
  }
  function name(i) {
    return NODES[i].name;
  }
  function esc(text) {
    return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  }
  // Written as explain() writes it: dL/da.
  function partial(top, bottom) {
    return `d${name(top)}/d${name(bottom)}`;
  }
  // Bracket a negative number or a formula with a sum, so a product cannot be misread.
  function factor(text) {
    return text.startsWith("-") || / [-+] /.test(text) ? `(${text})` : text;
  }

  // The symbolic local derivative of an edge (d(a*b)/da = b): explain()'s formula when
  // html.py could ask it, else the few the page knows itself.
  function localFormula(edge) {
    if (edge.formula) return edge.formula;
    const node = NODES[edge.c];
    const ops = operands[edge.c];
    if (node.op === "+") return "1";
    if (node.op === "-" && ops.length === 2) return edge.slot === 0 ? "1" : "-1";
    if (node.op === "*" && ops.length === 2) return name(ops[1 - edge.slot].p);
    return null;
  }

  // --- the drawing ----------------------------------------------------------------------
  let svg = null;
  const nodeEls = [];
  const opEls = [];
  const edgeEls = [];
  const resultEls = [];
  let overlay = null;

  function fieldTexts(group) {
    const texts = group.querySelectorAll("text");
    return { data: texts[texts.length - 2], grad: texts[texts.length - 1], name: texts[0] };
  }

  function dataText(i, state) {
    const node = NODES[i];
    if (!state.computed[i]) return "data ?";
    return node.scalar ? `data ${fmtNumber(node.data)}` : `data ${node.data_brief}`;
  }

  function gradText(i, state) {
    const node = NODES[i];
    if (!node.scalar || state.grad[i] === null) {
      // A tensor gradient is known only once every consumer has delivered its share.
      const done = state.started && (i === ROOT || consumers[i].every((e) => state.delivered.has(e.k)));
      if (!state.started) return "grad —";
      if (!done) return state.contributions[i].length ? "grad (partial)" : "grad —";
      return node.scalar ? `grad ${fmtNumber(node.grad)}` : `grad ${node.grad_brief}`;
    }
    return `grad ${fmtNumber(state.grad[i])}`;
  }

  function contributionText(edge, state) {
    const upstream = state.grad[edge.c];
    const given = state.contributions[edge.p].find((c) => c.edge === edge);
    if (!given || given.value === null) return "Jᵀ·g";
    return `${fmtShort(edge.local)} × ${fmtShort(upstream)} = ${fmtShort(given.value)}`;
  }

  let position = 0;
  let selected = null; // node index clicked, or null

  function render() {
    const state = stateAt(position);
    const step = position > 0 ? STEPS[position - 1] : null;
    const active = step ? step.node : null;
    NODES.forEach((node, i) => {
      const group = nodeEls[i];
      const texts = fieldTexts(group);
      texts.data.textContent = dataText(i, state);
      texts.grad.textContent = gradText(i, state);
      group.classList.toggle("computed", state.computed[i]);
      group.classList.toggle("active", i === active);
      group.classList.toggle("has-grad", state.contributions[i].length > 0 || (state.started && i === ROOT));
      group.classList.toggle("accumulated", state.contributions[i].length > 1);
      if (opEls[i]) {
        opEls[i].classList.toggle("active", i === active);
        opEls[i].classList.toggle("computed", state.computed[i]);
        resultEls[i].classList.toggle("computed", state.computed[i]);
      }
    });
    EDGES.forEach((edge, k) => {
      const group = edgeEls[k];
      const delivered = state.delivered.has(k);
      group.classList.toggle("delivered", delivered);
      group.classList.toggle("active", step !== null && step.kind === "backward" && edge.c === step.node);
      group.classList.toggle("computed", state.computed[edge.c]);
      const label = group.querySelector("text");
      if (label) label.textContent = delivered ? contributionText(edge, state) : "";
    });
    drawActiveLabels(step, state);
    document.getElementById("step-text").innerHTML = describeStep(step, state);
    document.getElementById("counter").textContent = counterText();
    document.getElementById("scrub").value = String(position);
    document.getElementById("check-text").innerHTML = checkText(state);
    if (selected !== null) document.getElementById("node-text").innerHTML = describeNode(selected, state);
    document.body.dataset.position = String(position);
    document.body.dataset.phase = phase();
    if (active !== null && document.getElementById("follow").checked) {
      view.reveal([nodeEls[active], opEls[active], overlay]);
    }
  }

  // On big graphs the layout reserves no room for edge labels, so the current step's
  // contributions are written in callouts stacked above the op node, each joined to its
  // edge by a thin leader line.
  function drawActiveLabels(step, state) {
    overlay.replaceChildren();
    if (EXPLORER.edge_labels || !step || step.kind !== "backward" || !opEls[step.node]) return;
    const ns = "http://www.w3.org/2000/svg";
    const op = opEls[step.node].getBBox();
    let bottom = op.y - 8;
    for (const edge of operands[step.node].slice().reverse()) {
      const path = edgeEls[edge.k].querySelector("path");
      const middle = path.getPointAtLength(path.getTotalLength() / 2);
      const text = document.createElementNS(ns, "text");
      text.setAttribute("x", op.x + op.width / 2);
      text.setAttribute("y", bottom - 4);
      text.setAttribute("class", "floating-label");
      text.textContent = `${name(edge.p)}: ${contributionText(edge, state)}`;
      overlay.appendChild(text);
      const box = text.getBBox();
      const leader = document.createElementNS(ns, "line");
      leader.setAttribute("x1", middle.x);
      leader.setAttribute("y1", middle.y);
      leader.setAttribute("x2", box.x + box.width / 2);
      leader.setAttribute("y2", box.y + box.height);
      leader.setAttribute("class", "floating-leader");
      const back = document.createElementNS(ns, "rect");
      back.setAttribute("x", box.x - 4);
      back.setAttribute("y", box.y - 1);
      back.setAttribute("width", box.width + 8);
      back.setAttribute("height", box.height + 2);
      back.setAttribute("rx", 3);
      back.setAttribute("class", "floating-label-back");
      overlay.insertBefore(back, text);
      overlay.insertBefore(leader, back);
      bottom = box.y - 4;
    }
  }

  function phase() {
    if (position === 0) return "start";
    if (position < NODES.length) return "forward";
    if (position === NODES.length) return "forward-done";
    if (position < STEPS.length) return "backward";
    return "done";
  }

  function counterText() {
    const forwardSteps = NODES.length;
    if (position <= forwardSteps) return `forward ${position}/${forwardSteps}`;
    return `backward ${position - forwardSteps}/${STEPS.length - forwardSteps}`;
  }

  // "c = a * b", "h = tanh(n)", "y = x**2": how node i was computed, by name.
  function expression(i) {
    const op = NODES[i].op;
    const ops = operands[i].map((e) => esc(name(e.p)));
    let right = `${esc(op)}(${ops.join(", ")})`;
    if (INFIX.has(op) && ops.length === 2) right = `${ops[0]} ${esc(op)} ${ops[1]}`;
    else if (ops.length === 1 && /^\*\*/.test(op)) right = `${ops[0]}${esc(op)}`;
    return `${esc(name(i))} = ${right}`;
  }

  function shapeText(i) {
    const node = NODES[i];
    return node.shape === null ? "scalar" : `${node.shape.join("×") || "scalar"} ${node.dtype || ""}`.trim();
  }

  function forwardFormula(i) {
    const node = NODES[i];
    const ops = operands[i].map((e) => e.p);
    if (!ops.length) return `${esc(name(i))} is a leaf (an input or a parameter): <b>${esc(fmtNumber(node.data))}</b>`;
    const value = node.scalar ? fmtNumber(node.data) : shapeText(i);
    let text = expression(i);
    if (INFIX.has(node.op) && ops.length === 2 && node.scalar && ops.every((p) => NODES[p].scalar)) {
      text += ` = ${fmtNumber(NODES[ops[0]].data)} ${esc(node.op)} ${fmtNumber(NODES[ops[1]].data)}`;
    }
    return `${text} = <b>${esc(value)}</b>`;
  }

  function describeStep(step, state) {
    if (!step) {
      return "Press <kbd>Step ▶</kbd> (or <kbd>→</kbd>) to run the forward pass one node at a time, " +
        "then the backward pass: each node hands its gradient to its operands, " +
        "multiplied by the local derivative.";
    }
    const i = step.node;
    if (step.kind === "forward") return `<p class="phase">Forward pass</p><p>${forwardFormula(i)}</p>`;
    if (step.kind === "seed") {
      return `<p class="phase">Backward pass</p><p>Start at the root: ${partial(i, i)} = 1, so ` +
        `<b>${esc(name(i))}.grad = 1</b>.</p>`;
    }
    const lines = operands[i].map((edge) => {
      const p = edge.p;
      const given = state.contributions[p].find((c) => c.edge === edge);
      const formula = localFormula(edge);
      const local = fmtShort(edge.local);
      let line = `${esc(name(p))}.grad += ${esc(partial(i, p))} × ${esc(name(i))}.grad = ` +
        (formula && formula !== local ? `${esc(formula)} × ${esc(name(i))}.grad` : "");
      if (given.value === null) {
        // Tensors: the local derivative is a Jacobian, applied to the upstream gradient.
        line += ` (a vector-Jacobian product, giving a ${esc(shapeText(p))} gradient)`;
      } else {
        line += `${formula && formula !== local ? " = " : ""}${local} × ${fmtShort(state.grad[i])} = <b>${fmtShort(given.value)}</b>`;
      }
      const parts = state.contributions[p];
      if (parts.length > 1 && parts.every((c) => c.value !== null)) {
        line += `<br><span class="meet">paths meet at ${esc(name(p))}: ${esc(name(p))}.grad = ` +
          `${parts.map((c) => fmtShort(c.value)).join(" + ")} = <b>${fmtShort(state.grad[p])}</b></span>`;
      }
      return `<li>${line}</li>`;
    });
    const gradient = state.grad[i] === null || !NODES[i].scalar
      ? `(a ${esc(shapeText(i))} tensor)` : `= ${fmtNumber(state.grad[i])}`;
    return `<p class="phase">Backward pass: ${esc(name(i))}._backward()</p>` +
      `<p>${expression(i)} hands its gradient ${esc(name(i))}.grad ${gradient} to its operands:</p>` +
      `<ul>${lines.join("")}</ul>`;
  }

  // Compare the page's arithmetic with the gradients backward() left in Python.
  function checkText(state) {
    if (position < STEPS.length) return "";
    if (NODES[ROOT].grad === 0) {
      return `<p class="note">backward() had not run in Python when this page was made, so there is nothing ` +
        `to check against: the gradients above come from the local derivatives alone.</p>`;
    }
    const compared = NODES.map((n, i) => i).filter((i) => NODES[i].scalar && NODES[i].grad !== null && state.grad[i] !== null);
    if (!compared.length) return "";
    const wrong = compared.filter((i) => {
      const theirs = NODES[i].grad;
      return Math.abs(state.grad[i] - theirs) > 1e-9 * Math.max(1, Math.abs(theirs));
    });
    if (!wrong.length) {
      return `<p class="ok" id="check-ok">✓ Every gradient matches what backward() computed in Python ` +
        `(${compared.length} nodes).</p>`;
    }
    return `<p class="bad" id="check-bad">✗ ${wrong.length} gradient(s) differ from backward()'s ` +
      `(was backward() called more than once? leaf gradients accumulate):</p><ul>` +
      wrong.slice(0, 8).map((i) => `<li>${esc(name(i))}: here ${fmtNumber(state.grad[i])}, ` +
        `backward() ${fmtNumber(NODES[i].grad)}</li>`).join("") + "</ul>";
  }

  // --- one node's details, and every path from a leaf to the root -----------------------
  function describeNode(i, state) {
    const node = NODES[i];
    let html = `<p><b>${esc(name(i))}</b> ${node.op ? `= ${esc(node.op)}(${operands[i].map((e) => esc(name(e.p))).join(", ")})` : "(leaf)"}</p>`;
    if (node.shape !== null) html += `<p>shape (${node.shape.join(", ")}) · dtype ${esc(node.dtype || "?")}</p>`;
    if (node.scalar) {
      html += `<p>data ${state.computed[i] ? esc(String(node.data)) : "? (not computed yet)"}<br>` +
        `grad ${esc(gradText(i, state).slice(5))}</p>`;
    } else {
      html += `<p>data</p><pre>${state.computed[i] ? esc(node.data_preview) : "? (not computed yet)"}</pre>` +
        `<p>grad (from backward())</p><pre>${esc(node.grad_preview)}</pre>`;
    }
    if (!operands[i].length && i !== ROOT) html += describePaths(i);
    return html;
  }

  function pathCounts() {
    // paths[i]: how many distinct paths lead from node i to the root (children come later
    // in topological order, so one backward sweep counts them).
    const count = NODES.map(() => 0);
    count[ROOT] = 1;
    for (let i = ROOT - 1; i >= 0; i--) for (const edge of consumers[i]) count[i] += count[edge.c];
    return count;
  }

  function listPaths(leaf, limit) {
    const paths = [];
    const stack = [[leaf, []]];
    while (stack.length && paths.length < limit) {
      const [node, edges] = stack.pop();
      if (node === ROOT) {
        paths.push(edges);
        continue;
      }
      for (let k = consumers[node].length - 1; k >= 0; k--) {
        const edge = consumers[node][k];
        stack.push([edge.c, edges.concat([edge])]);
      }
    }
    return paths;
  }

  let finalGradients = null; // the gradients at the end of the backward pass, once needed

  function describePaths(leaf) {
    const total = pathCounts()[leaf];
    if (total === 0) return "<p>No path leads from this leaf to the root.</p>";
    if (finalGradients === null) finalGradients = stateAt(STEPS.length).grad;
    const shown = listPaths(leaf, 12);
    const products = [];
    const items = shown.map((edges) => {
      const chain = edges.slice().reverse(); // root first, as the chain rule is written
      const partials = chain.map((e) => partial(e.c, e.p)).join(" · ");
      const formulas = chain.map((e) => factor(localFormula(e) || fmtShort(e.local))).join(" · ");
      let product = 1;
      for (const e of chain) product = e.local === null || product === null ? null : product * e.local;
      products.push(product);
      if (product === null) return `<li>${esc(partials)}<br>= ${esc(formulas)}<br>(tensor steps: each factor is a Jacobian)</li>`;
      const numbers = chain.map((e) => factor(fmtShort(e.local))).join(" · ");
      return `<li>${esc(partials)}<br>= ${esc(formulas)}<br>= ${esc(numbers)} = <b>${fmtShort(product)}</b></li>`;
    });
    let html = `<p class="phase">${total} path${total > 1 ? "s" : ""} from ${esc(name(leaf))} to ${esc(name(ROOT))}` +
      `${total > shown.length ? ` (the first ${shown.length} shown)` : ""}:</p><ol class="paths">${items.join("")}</ol>`;
    const gradient = finalGradients[leaf];
    if (gradient !== null && !products.includes(null)) {
      // The sum over every path is what the backward pass accumulates in leaf.grad.
      const terms = total > 1 && total === shown.length ? ` = ${products.map((p) => factor(fmtShort(p))).join(" + ")}` : "";
      html += `<p>${esc(partial(ROOT, leaf))} = the sum over ${total > 1 ? `all ${total} paths` : "the path"}${terms} ` +
        `= <b id="path-sum">${fmtShort(gradient)}</b>` +
        (NODES[leaf].grad !== null ? ` (backward(): ${fmtShort(NODES[leaf].grad)})` : "") + "</p>";
    }
    return html;
  }

  function highlightPaths(leaf) {
    svg.classList.toggle("highlighting", leaf !== null);
    const onPath = NODES.map(() => false);
    if (leaf !== null) {
      const count = pathCounts();
      onPath[leaf] = count[leaf] > 0;
      // Every node reachable from the leaf reaches the root (the graph is the root's ancestry).
      for (let i = leaf; i <= ROOT; i++) {
        if (onPath[i]) for (const edge of consumers[i]) onPath[edge.c] = true;
      }
    }
    NODES.forEach((_, i) => {
      nodeEls[i].classList.toggle("on-path", onPath[i]);
      if (opEls[i]) {
        opEls[i].classList.toggle("on-path", onPath[i]);
        resultEls[i].classList.toggle("on-path", onPath[i]);
      }
    });
    EDGES.forEach((edge, k) => edgeEls[k].classList.toggle("on-path", onPath[edge.p] && onPath[edge.c]));
  }

  function select(i) {
    selected = i;
    NODES.forEach((_, j) => nodeEls[j].classList.toggle("selected", j === i));
    highlightPaths(i !== null && !operands[i].length && i !== ROOT ? i : null);
    render();
  }

  // --- zoom and pan, by moving the SVG viewBox ------------------------------------------
  const view = {
    full: null,
    box: null,
    init(element) {
      const vb = element.viewBox.baseVal;
      this.full = { x: vb.x, y: vb.y, w: vb.width, h: vb.height };
      element.removeAttribute("width");
      element.removeAttribute("height");
      element.setAttribute("preserveAspectRatio", "xMidYMid meet");
      this.fit();
    },
    apply() {
      svg.setAttribute("viewBox", `${this.box.x} ${this.box.y} ${this.box.w} ${this.box.h}`);
      minimap.update();
    },
    // How many screen pixels one graph unit takes now.
    scale() {
      const rect = svg.getBoundingClientRect();
      return Math.min(rect.width / this.box.w, rect.height / this.box.h);
    },
    fit() {
      const pad = 10;
      this.box = { x: this.full.x - pad, y: this.full.y - pad, w: this.full.w + 2 * pad, h: this.full.h + 2 * pad };
      // Never blow a small graph up beyond its natural size.
      const rect = svg.getBoundingClientRect();
      const grow = Math.min(rect.width / this.box.w, rect.height / this.box.h);
      if (grow > 1.6) this.zoom(1.6 / grow, this.box.x + this.box.w / 2, this.box.y + this.box.h / 2, false);
      this.apply();
    },
    zoom(factor, cx, cy, apply = true) {
      const w = this.box.w / factor;
      const h = this.box.h / factor;
      this.box = { x: cx - (cx - this.box.x) / factor, y: cy - (cy - this.box.y) / factor, w: w, h: h };
      if (apply) this.apply();
    },
    zoomAtCenter(factor) {
      this.zoom(factor, this.box.x + this.box.w / 2, this.box.y + this.box.h / 2);
    },
    toGraph(clientX, clientY) {
      const point = svg.createSVGPoint();
      point.x = clientX;
      point.y = clientY;
      return point.matrixTransform(svg.getScreenCTM().inverse());
    },
    centerOn(x, y) {
      this.box = { x: x - this.box.w / 2, y: y - this.box.h / 2, w: this.box.w, h: this.box.h };
      this.apply();
    },
    // Pan (never zoom) so that the elements are in view: centred on them when they
    // are not, so the step's neighbours show too.
    reveal(elements) {
      const boxes = elements.filter((el) => el && el.childNodes.length).map(boxInRoot);
      // A little of the neighbourhood must show too, but nothing beyond the graph's edge.
      const margin = 24;
      const full = this.full;
      const box = {
        x: Math.max(full.x, Math.min(...boxes.map((b) => b.x)) - margin),
        y: Math.max(full.y, Math.min(...boxes.map((b) => b.y)) - margin),
        right: Math.min(full.x + full.w, Math.max(...boxes.map((b) => b.x + b.width)) + margin),
        bottom: Math.min(full.y + full.h, Math.max(...boxes.map((b) => b.y + b.height)) + margin),
      };
      const scale = this.scale();
      const rect = svg.getBoundingClientRect();
      const visible = { w: rect.width / scale, h: rect.height / scale };
      const left = this.box.x + this.box.w / 2 - visible.w / 2;
      const top = this.box.y + this.box.h / 2 - visible.h / 2;
      const inside = box.x >= left && box.right <= left + visible.w && box.y >= top && box.bottom <= top + visible.h;
      if (!inside) this.centerOn((box.x + box.right) / 2, (box.y + box.bottom) / 2);
    },
  };

  // Graphviz wraps everything in a translated <g>; boxes are wanted in viewBox units.
  function boxInRoot(element) {
    const box = element.getBBox();
    const matrix = svg.getScreenCTM().inverse().multiply(element.getScreenCTM());
    const corner = svg.createSVGPoint();
    corner.x = box.x;
    corner.y = box.y;
    const p = corner.matrixTransform(matrix);
    return { x: p.x, y: p.y, width: box.width * matrix.a, height: box.height * matrix.d };
  }

  // A small overview with the visible window drawn on it, for graphs that do not fit.
  const minimap = {
    element: null,
    window: null,
    build(canvas) {
      const ns = "http://www.w3.org/2000/svg";
      this.element = document.createElementNS(ns, "svg");
      this.element.setAttribute("id", "minimap");
      this.element.setAttribute("viewBox", `${view.full.x} ${view.full.y} ${view.full.w} ${view.full.h}`);
      const copy = svg.querySelector("g.graph").cloneNode(true);
      copy.removeAttribute("id");
      copy.querySelectorAll("[id]").forEach((el) => el.removeAttribute("id"));
      copy.querySelectorAll("text").forEach((el) => el.remove());
      this.element.appendChild(copy);
      this.window = document.createElementNS(ns, "rect");
      this.window.setAttribute("class", "minimap-window");
      this.element.appendChild(this.window);
      this.element.addEventListener("click", (event) => {
        const point = this.element.createSVGPoint();
        point.x = event.clientX;
        point.y = event.clientY;
        const p = point.matrixTransform(this.element.getScreenCTM().inverse());
        view.centerOn(p.x, p.y);
      });
      canvas.appendChild(this.element);
      this.update();
    },
    update() {
      if (!this.element) return;
      const big = view.box.w < view.full.w * 0.98 || view.box.h < view.full.h * 0.98;
      this.element.style.display = big ? "block" : "none";
      const rect = svg.getBoundingClientRect();
      const scale = view.scale();
      const w = rect.width / scale;
      const h = rect.height / scale;
      this.window.setAttribute("x", view.box.x + view.box.w / 2 - w / 2);
      this.window.setAttribute("y", view.box.y + view.box.h / 2 - h / 2);
      this.window.setAttribute("width", w);
      this.window.setAttribute("height", h);
    },
  };

  function installPanAndZoom(canvas) {
    let drag = null;
    canvas.addEventListener("wheel", (event) => {
      event.preventDefault();
      const p = view.toGraph(event.clientX, event.clientY);
      view.zoom(Math.exp(-event.deltaY * 0.0015), p.x, p.y);
    }, { passive: false });
    svg.addEventListener("pointerdown", (event) => {
      drag = { x: event.clientX, y: event.clientY, box: Object.assign({}, view.box), moved: false };
    });
    svg.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) svg.setPointerCapture(event.pointerId);
      drag.moved = true;
      const scale = view.scale();
      view.box = { x: drag.box.x - dx / scale, y: drag.box.y - dy / scale, w: drag.box.w, h: drag.box.h };
      view.apply();
    });
    svg.addEventListener("pointerup", (event) => {
      const wasDrag = drag && drag.moved;
      drag = null;
      if (wasDrag) return;
      const group = event.target.closest("g.node");
      if (!group) return select(null);
      const match = /^[vo](\d+)$/.exec(group.id);
      if (match) select(Number(match[1]));
    });
  }

  // --- controls -----------------------------------------------------------------------
  let timer = null;
  function go(to) {
    position = Math.max(0, Math.min(STEPS.length, to));
    if (position === STEPS.length) stop();
    render();
  }
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    document.getElementById("play").textContent = "Play";
  }
  function play() {
    if (timer !== null) return stop();
    if (position === STEPS.length) position = 0;
    document.getElementById("play").textContent = "Pause";
    const interval = Math.max(120, Math.min(700, 30000 / STEPS.length));
    timer = setInterval(() => go(position + 1), interval);
  }

  function installControls() {
    const scrub = document.getElementById("scrub");
    scrub.max = String(STEPS.length);
    scrub.addEventListener("input", () => { stop(); go(Number(scrub.value)); });
    document.getElementById("step").addEventListener("click", () => { stop(); go(position + 1); });
    document.getElementById("back").addEventListener("click", () => { stop(); go(position - 1); });
    document.getElementById("reset").addEventListener("click", () => { stop(); go(0); });
    document.getElementById("play").addEventListener("click", play);
    document.getElementById("zoom-in").addEventListener("click", () => view.zoomAtCenter(1.4));
    document.getElementById("zoom-out").addEventListener("click", () => view.zoomAtCenter(1 / 1.4));
    document.getElementById("fit").addEventListener("click", () => view.fit());
    document.addEventListener("keydown", (event) => {
      if (event.target.tagName === "INPUT" && event.target.type === "range") return;
      const actions = {
        ArrowRight: () => { stop(); go(position + 1); },
        ArrowLeft: () => { stop(); go(position - 1); },
        Home: () => { stop(); go(0); },
        End: () => { stop(); go(STEPS.length); },
        " ": play,
        "+": () => view.zoomAtCenter(1.4),
        "=": () => view.zoomAtCenter(1.4),
        "-": () => view.zoomAtCenter(1 / 1.4),
        "0": () => view.fit(),
        Escape: () => select(null),
      };
      const action = actions[event.key];
      if (action) {
        event.preventDefault();
        action();
      }
    });
    // A clicked button keeps the focus, and the space bar would then press it again
    // instead of playing: hand the keys back to the page after each click.
    document.querySelectorAll("header button").forEach((button) => {
      button.addEventListener("click", () => button.blur());
    });
    window.addEventListener("resize", () => view.apply());
  }

  // --- start ----------------------------------------------------------------------------
  async function layout() {
    if (EXPLORER.svg) {
      const holder = document.createElement("div");
      holder.innerHTML = EXPLORER.svg;
      return holder.querySelector("svg");
    }
    const viz = await Viz.instance();
    return viz.renderSVGElement(EXPLORER.dot);
  }

  // A notebook can run this page (in its iframe) before giving the iframe a size; fitting
  // the view to a canvas of size 0 would zoom it to nothing.
  function sized(element) {
    return new Promise((resolve) => {
      const ready = () => element.clientWidth > 0 && element.clientHeight > 0;
      if (ready()) return resolve();
      const observer = new ResizeObserver(() => {
        if (!ready()) return;
        observer.disconnect();
        resolve();
      });
      observer.observe(element);
    });
  }

  async function start() {
    const canvas = document.getElementById("canvas");
    const started = performance.now();
    try {
      svg = await layout();
    } catch (error) {
      document.getElementById("loading").textContent = `Could not lay out the graph: ${error}`;
      document.body.dataset.error = String(error);
      return;
    }
    await sized(canvas);
    document.getElementById("loading").remove();
    svg.setAttribute("id", "graph");
    canvas.appendChild(svg);
    NODES.forEach((_, i) => {
      nodeEls.push(svg.getElementById(`v${i}`));
      opEls.push(svg.getElementById(`o${i}`));
      resultEls.push(svg.getElementById(`f${i}`));
    });
    EDGES.forEach((_, k) => edgeEls.push(svg.getElementById(`e${k}`)));
    nodeEls.forEach((group, i) => {
      group.classList.add(NODES[i].leaf ? "leaf" : "inner");
      if (i === ROOT) group.classList.add("root");
    });
    overlay = document.createElementNS("http://www.w3.org/2000/svg", "g");
    overlay.setAttribute("id", "floating-labels");
    svg.querySelector("g.graph").appendChild(overlay);
    view.init(svg);
    minimap.build(canvas);
    installPanAndZoom(canvas);
    installControls();
    const fitted = view.scale();
    if (fitted < 0.6) {
      // Too small to read when fitted: start readable, at the first leaf; the minimap
      // shows where the window is, and "Fit" shows it all.
      view.zoomAtCenter(1 / fitted);
      view.reveal([nodeEls[0]]);
    }
    render();
    document.body.dataset.layoutMs = String(Math.round(performance.now() - started));
    document.body.dataset.ready = "true";
    document.body.dataset.steps = String(STEPS.length);
  }

  start();
})();
