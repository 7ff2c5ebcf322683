// Local LINE chat emulator: sends what the person types to /_emulator/events (the server signs it
// and POSTs it to /callback like LINE would) and shows the bot's replies recorded by the
// Messaging API stub. No framework; text is always inserted as text, never as HTML.
(() => {
  "use strict";
  const STORAGE_KEY = "faqbot-emulator-user-id";
  const POLL_MS = 1500;
  const URL_PATTERN = /https?:\/\/[^\s\u3000）)」』、。]+/g;

  const log = document.getElementById("log");
  const quick = document.getElementById("quick");
  const statusLine = document.getElementById("status");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const sendButton = document.getElementById("send");

  let messagesUrl = "/line-api/_stub/messages";
  let userId = localStorage.getItem(STORAGE_KEY) || newUserId();
  let lastSeq = 0;
  let polling = false;
  let pollAgain = false;
  localStorage.setItem(STORAGE_KEY, userId);

  function newUserId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "U" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function appendLinkified(element, text) {
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      element.append(document.createTextNode(text.slice(last, match.index)));
      const link = document.createElement("a");
      link.href = match[0];
      link.textContent = match[0];
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      element.append(link);
      last = match.index + match[0].length;
    }
    element.append(document.createTextNode(text.slice(last)));
  }

  function addBubble(who, text) {
    const row = document.createElement("div");
    row.className = "row " + who;
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    appendLinkified(bubble, text);
    row.append(bubble);
    log.append(row);
    log.scrollTop = log.scrollHeight;
    return bubble;
  }

  function setStatus(text) {
    statusLine.textContent = text || "";
  }

  function showQuickReplies(items) {
    quick.replaceChildren();
    for (const item of items || []) {
      const action = item.action || {};
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = action.label || "（ラベルなし）";
      button.addEventListener("click", () => runAction(action));
      quick.append(button);
    }
    log.scrollTop = log.scrollHeight;
  }

  async function runAction(action) {
    showQuickReplies([]);
    if (action.type === "postback") {
      if (action.displayText) addBubble("user", action.displayText);
      await send({ kind: "postback", data: action.data });
    } else if (action.type === "message") {
      addBubble("user", action.text);
      await send({ kind: "text", text: action.text });
    } else if (action.type === "location") {
      openLocationPanel();
    } else if (action.type === "uri") {
      window.open(action.uri, "_blank", "noopener");
    } else {
      setStatus("このボタンの種類（" + action.type + "）はエミュレーターでは使えません。");
    }
  }

  async function send(payload) {
    setStatus("");
    sendButton.disabled = true;
    try {
      const response = await fetch("/_emulator/events", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({ userId }, payload)),
      });
      const result = await response.json().catch(() => ({}));
      if (!response.ok) {
        setStatus("送信できませんでした：" + (result.error || response.status));
      } else if (result.status !== 200) {
        setStatus("ボット（/callback）がエラーを返しました：HTTP " + result.status);
      }
    } catch (error) {
      setStatus("サーバーに接続できません。make run が動いているか確認してください。");
    } finally {
      sendButton.disabled = false;
    }
    await poll();
  }

  function render(messages) {
    let quickItems = null;
    let first = null;
    for (const entry of messages) {
      const message = entry.message || {};
      const text = message.type === "text" ? message.text : "［" + message.type + " メッセージ］";
      const bubble = addBubble("bot", text);
      first = first || bubble;
      quickItems = message.quickReply ? message.quickReply.items : null;
    }
    if (messages.length) {
      showQuickReplies(quickItems);
      // show the start of the reply (long answers are read from the top, as in LINE)
      log.scrollTop = Math.max(0, first.parentElement.offsetTop - 8);
    }
  }

  async function poll() {
    if (polling) {
      pollAgain = true;
      return;
    }
    polling = true;
    try {
      const url = messagesUrl + "?to=" + encodeURIComponent(userId) + "&after=" + lastSeq;
      const response = await fetch(url, { cache: "no-store" });
      if (response.ok) {
        const data = await response.json();
        render(data.messages || []);
        lastSeq = Math.max(lastSeq, data.lastSeq || 0, ...(data.messages || []).map((m) => m.seq));
      }
    } catch (error) {
      // the server is restarting; the next poll tries again
    } finally {
      polling = false;
    }
    if (pollAgain) {
      pollAgain = false;
      await poll();
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    addBubble("user", text);
    showQuickReplies([]);
    await send({ kind: "text", text });
  });

  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter is a new line; never while the IME is converting Japanese text.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.getElementById("follow").addEventListener("click", async () => {
    addBubble("system", "友だち追加しました");
    await send({ kind: "follow" });
  });

  document.getElementById("sticker").addEventListener("click", async () => {
    addBubble("user", "（スタンプ）");
    await send({ kind: "sticker" });
  });

  // LINE's location picker, emulated: the person types the coordinates (no map tiles offline).
  const locationPanel = document.getElementById("location-panel");
  function openLocationPanel() {
    locationPanel.hidden = false;
    document.getElementById("latitude").focus();
  }
  document.getElementById("location").addEventListener("click", openLocationPanel);
  document.getElementById("cancel-location").addEventListener("click", () => { locationPanel.hidden = true; });
  locationPanel.addEventListener("submit", async (event) => {
    event.preventDefault();
    const latitude = Number(document.getElementById("latitude").value);
    const longitude = Number(document.getElementById("longitude").value);
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) {
      setStatus("緯度と経度を数字で入れてください。");
      return;
    }
    locationPanel.hidden = true;
    addBubble("user", "（位置情報 " + latitude + ", " + longitude + "）");
    showQuickReplies([]);
    await send({ kind: "location", latitude, longitude });
  });

  document.getElementById("reset").addEventListener("click", () => {
    userId = newUserId();
    localStorage.setItem(STORAGE_KEY, userId);
    log.replaceChildren();
    showQuickReplies([]);
    addBubble("system", "新しい利用者として始めます。「友だち追加」を押すか、質問を入力してください。");
  });

  // The default rich menu of the local stub: its image with one transparent button per area.
  let richMenuUrl = null;
  let richMenuShown = null;
  async function loadRichMenu() {
    if (!richMenuUrl) return;
    try {
      const response = await fetch(richMenuUrl, { cache: "no-store" });
      const menu = response.ok ? (await response.json()).default : null;
      const panel = document.getElementById("richmenu");
      if (!menu) { panel.hidden = true; richMenuShown = null; return; }
      if (menu.richMenuId === richMenuShown) return;
      richMenuShown = menu.richMenuId;
      const image = document.createElement("img");
      image.src = richMenuUrl + "/" + encodeURIComponent(menu.richMenuId) + "/image";
      image.alt = menu.chatBarText || "";
      const areas = menu.areas.map((area) => {
        const button = document.createElement("button");
        const b = area.bounds;
        button.type = "button";
        button.className = "richmenu-area";
        button.setAttribute("aria-label", area.action.label || area.action.displayText || "");
        button.style.left = (100 * b.x / menu.size.width) + "%";
        button.style.top = (100 * b.y / menu.size.height) + "%";
        button.style.width = (100 * b.width / menu.size.width) + "%";
        button.style.height = (100 * b.height / menu.size.height) + "%";
        button.addEventListener("click", () => runAction(area.action));
        return button;
      });
      panel.replaceChildren(image, ...areas);
      panel.hidden = false;
    } catch (error) {
      // no rich menu: the page works without it
    }
  }

  async function start() {
    try {
      const response = await fetch("/_emulator/config", { cache: "no-store" });
      if (response.ok) {
        const config = await response.json();
        messagesUrl = config.messagesUrl || messagesUrl;
        richMenuUrl = config.richMenuUrl || null;
      }
    } catch (error) {
      // keep the default
    }
    await loadRichMenu();
    setInterval(loadRichMenu, 5000);
    await poll();
    if (!log.children.length) {
      addBubble("system", "「友だち追加」を押すか、質問を入力してください。");
    }
    setInterval(poll, POLL_MS);
  }

  start();
})();
