// Subscriptions in the router's GraphiQL (issue #16), without extra npm packages: a
// subscription operation runs over the graphql-transport-ws WebSocket (default) or GraphQL over
// SSE (the header `X-GraphiQL-Transport: sse` in GraphiQL's headers editor, or the page opened
// with `?subscriptionTransport=sse`); GraphiQL shows
// each result as it arrives (a fetcher may return an async iterable). An `Authorization` header
// from the headers editor goes into `connection_init`'s payload (WebSocket) or the request (SSE).
// Queries and mutations keep the page's own fetcher.
(function () {
  "use strict";

  function isSubscription(params) {
    var text = params.query || "";
    var name = params.operationName;
    var pattern = /\b(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/g;
    var kinds = [];
    var match;
    // Strip strings and comments first so their words do not count.
    text = text.replace(/"""[\s\S]*?"""|"(?:\\.|[^"\\])*"|#[^\n]*/g, "");
    while ((match = pattern.exec(text))) kinds.push({ kind: match[1], name: match[2] || null });
    var chosen = name ? kinds.filter(function (k) { return k.name === name; })[0] : kinds[0];
    return Boolean(chosen && chosen.kind === "subscription");
  }

  function channel() {
    var items = [], waiting = [], done = false;
    return {
      push: function (value) {
        if (done) return;
        if (waiting.length) waiting.shift()({ value: value, done: false });
        else items.push(value);
      },
      end: function () {
        done = true;
        while (waiting.length) waiting.shift()({ value: undefined, done: true });
      },
      iterator: function (onReturn) {
        return {
          next: function () {
            if (items.length) return Promise.resolve({ value: items.shift(), done: false });
            if (done) return Promise.resolve({ value: undefined, done: true });
            return new Promise(function (resolve) { waiting.push(resolve); });
          },
          return: function () {
            done = true;
            onReturn();
            return Promise.resolve({ value: undefined, done: true });
          },
          [Symbol.asyncIterator]: function () { return this; },
        };
      },
    };
  }

  function header(headers, name) {
    var wanted = name.toLowerCase();
    for (var key in headers || {}) if (key.toLowerCase() === wanted) return headers[key];
    return undefined;
  }

  function overWebSocket(endpoint, params, headers) {
    var url = new URL(endpoint, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    var socket = new WebSocket(url.toString(), "graphql-transport-ws");
    var out = channel();
    var init = { type: "connection_init" };
    var authorization = header(headers, "authorization");
    if (authorization) init.payload = { Authorization: authorization };
    socket.onopen = function () { socket.send(JSON.stringify(init)); };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "connection_ack") {
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: params }));
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (message.type === "next") {
        out.push(message.payload);
      } else if (message.type === "error") {
        out.push({ errors: message.payload });
        out.end();
      } else if (message.type === "complete") {
        out.end();
      }
    };
    socket.onclose = function (event) {
      if (event.code !== 1000 && event.code !== 1005) {
        out.push({ errors: [{ message: "WebSocket closed: " + event.code + " " + event.reason }] });
      }
      out.end();
    };
    return out.iterator(function () { socket.close(1000, "Normal Closure"); });
  }

  function overSse(endpoint, params, headers) {
    var out = channel();
    var controller = new AbortController();
    var request = Object.assign({}, headers, {
      "content-type": "application/json",
      accept: "text/event-stream",
    });
    delete request["x-graphiql-transport"];
    fetch(endpoint, {
      method: "POST", headers: request, body: JSON.stringify(params),
      credentials: "same-origin", signal: controller.signal,
    }).then(async function (response) {
      if (!(response.headers.get("content-type") || "").startsWith("text/event-stream")) {
        out.push(await response.json());
        out.end();
        return;
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buffer += decoder.decode(chunk.value, { stream: true });
        var cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          var block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          var name = "", data = [];
          block.split("\n").forEach(function (line) {
            if (line.startsWith("event:")) name = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
          });
          if (name === "next") out.push(JSON.parse(data.join("\n")));
          else if (name === "complete") { out.end(); return; }
        }
      }
      out.end();
    }).catch(function (error) {
      if (error.name !== "AbortError") out.push({ errors: [{ message: String(error) }] });
      out.end();
    });
    return out.iterator(function () { controller.abort(); });
  }

  window.RouterSubscriptions = {
    wrap: function (fetcher, config) {
      return function (params, options) {
        if (!isSubscription(params)) return fetcher(params, options);
        var headers = (options && options.headers) || {};
        var page = new URLSearchParams(window.location.search).get("subscriptionTransport");
        var transport = String(header(headers, "x-graphiql-transport") || page || "websocket");
        return transport.toLowerCase() === "sse"
          ? overSse(config.endpoint, params, headers)
          : overWebSocket(config.endpoint, params, headers);
      };
    },
  };
})();
