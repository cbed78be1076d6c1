// A webhook receiver in a few lines of Node, for sknpay-check-receiver
// (tests/shop/test_node_receiver.py). It verifies the HMAC over the raw body,
// refuses a t more than 5 minutes off, accepts any v1, applies each event id
// once, never lets a late payment.failed undo a payment, and shows its state
// at GET /state. RECEIVER_BUG=reserialise verifies JSON.stringify(JSON.parse(body))
// instead of the bytes that came: the check must catch that in JavaScript too.
const http = require("http");
const crypto = require("crypto");

const secret = process.env.SKNPAY_WEBHOOK_SECRET;
const reserialise = process.env.RECEIVER_BUG === "reserialise";
const applied = new Set();
const state = { status: "pending", times_paid: 0 };

function verify(header, raw) {
  let t = NaN;
  const v1 = [];
  for (const part of (header || "").split(",")) {
    const [key, value] = part.trim().split("=");
    if (key === "t") t = Number(value);
    if (key === "v1") v1.push(Buffer.from(value || "", "hex"));
  }
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300) return false;
  const want = crypto.createHmac("sha256", secret).update(`${t}.`).update(raw).digest();
  return v1.some((got) => got.length === want.length && crypto.timingSafeEqual(got, want));
}

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/state") {
    res.setHeader("Content-Type", "application/json");
    return res.end(JSON.stringify(state));
  }
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    let raw = Buffer.concat(chunks);
    if (reserialise) raw = Buffer.from(JSON.stringify(JSON.parse(raw)));
    if (!verify(req.headers["sknpay-signature"], raw)) {
      res.statusCode = 400;
      return res.end("bad signature");
    }
    const event = JSON.parse(raw);
    if (!applied.has(event.id)) {
      if (event.type === "payment.succeeded" && state.status !== "paid") {
        state.status = "paid";
        state.times_paid += 1;
      } else if (event.type === "payment.failed" && state.status === "pending") {
        state.status = "failed";
      }
      applied.add(event.id);
    }
    res.end("ok");
  });
});

server.listen(0, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
