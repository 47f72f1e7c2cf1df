// The WebSocket to the server (src/serve/protocol.md): connecting, sending, the status line and
// its reconnect button, and the base64 the server's rasters and parameters travel in.

import { $ } from "./dom.js";

export const decodeBase64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

function setStatus(text, kind) {
  const s = $("status");
  s.textContent = text;
  s.title = text; // the bar may cut a long message short
  s.dataset.state = kind;
}

/**
 * A connection that calls `onOpen()`, `onMessage(msg)` with each parsed message but `closed`
 * (whose text becomes the status once the socket closes) and `onClose()`.
 */
export function createConnection({ onOpen, onMessage, onClose }) {
  let ws = null;
  let closedMessage = null;

  function closed(message) {
    setStatus(`closed: ${message}`, "closed");
    $("reconnect").hidden = false;
    onClose();
  }

  function receive(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      console.warn("mlp2d: a message that is not JSON", text);
      return;
    }
    if (msg.type === "closed") closedMessage = msg.message;
    else onMessage(msg);
  }

  function connect() {
    closedMessage = null;
    setStatus("connecting…", "connecting");
    $("reconnect").hidden = true;
    if (!location.host) {
      // Opened as a file: there is no server to talk to.
      closed("no server: open the address that `mlp2d serve` prints");
      return;
    }
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    let socket;
    try {
      socket = new WebSocket(`${scheme}://${location.host}/ws`);
    } catch (e) {
      closed("no server here: open the page that `mlp2d serve` prints");
      return;
    }
    ws = socket;
    socket.onopen = () => {
      if (ws !== socket) return;
      setStatus("connected", "connected");
      onOpen();
    };
    socket.onmessage = (ev) => {
      if (ws === socket) receive(ev.data);
    };
    socket.onclose = (ev) => {
      if (ws !== socket) return;
      ws = null;
      closed(closedMessage || ev.reason || (ev.code === 1006 ? "connection lost" : `code ${ev.code}`));
    };
  }

  /** Sends a message; false when not connected. */
  function send(message) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  return { connect, send };
}
