// The router's GraphiQL page: a fetcher to this router and, in development mode, a
// "Query plan" panel fed from extensions.apolloQueryPlan (requested with
// `Apollo-Expose-Query-Plan: true`, as Apollo Router does). Plain script: React, ReactDOM and
// GraphiQL (UMD) are loaded before it from the router's local assets.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("router-graphiql-config").textContent);
  var h = React.createElement;
  var latestPlan = null;
  var listeners = new Set();

  function planText(extensions) {
    var plan = extensions && (extensions.apolloQueryPlan || extensions.queryPlan);
    if (!plan) return null;
    if (typeof plan === "string") return plan;
    if (typeof plan.text === "string") return plan.text;
    return JSON.stringify(plan.object || plan, null, 2);
  }

  function publishPlan(plan) {
    latestPlan = plan;
    listeners.forEach(function (listener) { listener(plan); });
  }

  // The plan has its own panel; keep the result pane to the response proper.
  function takePlan(body, isIntrospection) {
    if (isIntrospection || !config.showQueryPlan || !body || !("data" in body || "errors" in body)) {
      return body;
    }
    publishPlan(planText(body.extensions));
    if (!body.extensions) return body;
    var rest = Object.assign({}, body.extensions);
    delete rest.apolloQueryPlan;
    delete rest.queryPlan;
    body = Object.assign({}, body);
    if (Object.keys(rest).length) body.extensions = rest; else delete body.extensions;
    return body;
  }

  // @defer: the router answers multipart/mixed (incremental delivery, deferSpec=20220824).
  // Each part is yielded as soon as its closing delimiter arrives; GraphiQL merges the
  // `incremental` payloads into the result pane as they come.
  async function* multipartParts(response) {
    var match = /boundary="?([^";]+)"?/i.exec(response.headers.get("content-type") || "");
    var delimiter = "\r\n--" + (match ? match[1] : "-");
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "\r\n";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      for (;;) {
        var start = buffer.indexOf(delimiter);
        var end = start < 0 ? -1 : buffer.indexOf(delimiter, start + delimiter.length);
        if (end < 0) break;
        var segment = buffer.slice(start + delimiter.length, end);
        buffer = buffer.slice(end);
        var blank = segment.indexOf("\r\n\r\n");
        var payload = blank < 0 ? "" : segment.slice(blank + 4).trim();
        if (payload) yield JSON.parse(payload);
      }
    }
  }

  async function* incremental(response, isIntrospection) {
    for await (var part of multipartParts(response)) {
      yield takePlan(part, isIntrospection);
    }
  }

  async function fetcher(params, options) {
    var headers = {
      "content-type": "application/json",
      accept:
        "multipart/mixed;deferSpec=20220824, application/graphql-response+json, application/json;q=0.9",
    };
    var isIntrospection = params.operationName === "IntrospectionQuery";
    if (config.showQueryPlan && !isIntrospection) headers["apollo-expose-query-plan"] = "true";
    Object.assign(headers, (options && options.headers) || {});
    var response = await fetch(config.endpoint, {
      method: "POST",
      headers: headers,
      body: JSON.stringify(params),
      credentials: "same-origin",
    });
    if ((response.headers.get("content-type") || "").indexOf("multipart/mixed") === 0) {
      return incremental(response, isIntrospection);
    }
    return takePlan(await response.json(), isIntrospection);
  }

  function QueryPlanPanel() {
    var state = React.useState(latestPlan);
    React.useEffect(function () {
      listeners.add(state[1]);
      return function () { listeners.delete(state[1]); };
    }, []);
    return h("div", { className: "router-query-plan" },
      h("div", { className: "graphiql-doc-explorer-title" }, "Query plan"),
      state[0]
        ? h("pre", { "data-testid": "query-plan" }, state[0])
        : h("p", null, "Run an operation to see the router's query plan."));
  }

  function PlanIcon() {
    return h("svg", { viewBox: "0 0 24 24", width: "1em", height: "1em", fill: "none",
      stroke: "currentColor", strokeWidth: 1.5, "aria-hidden": "true" },
      h("path", { d: "M4 5h6v4H4zM14 15h6v4h-6zM14 5h6v4h-6zM7 9v8h7M17 9v6" }));
  }

  var planPlugin = { title: "Query plan", icon: PlanIcon, content: QueryPlanPanel };
  // Subscriptions over WebSocket or SSE (subscriptions.js, issue #16) when it is loaded.
  var live = window.RouterSubscriptions ? window.RouterSubscriptions.wrap(fetcher, config) : fetcher;
  var props = { fetcher: live, shouldPersistHeaders: false, defaultEditorToolsVisibility: false };
  if (config.showQueryPlan) {
    props.plugins = [planPlugin];
    props.visiblePlugin = planPlugin;
  }
  ReactDOM.createRoot(document.getElementById("graphiql")).render(h(GraphiQL, props));
})();
