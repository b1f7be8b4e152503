// The /demo page in headless Chromium with a CDP virtual authenticator
// (ctap2, internal, resident key, user verification): enrol a passkey, sign
// in with it, again inside the remember window and after it, and enrol an
// authenticator app from the secret beside its QR code. Run by
// tests/browser.rs, which starts `mfac serve --demo` and passes:
//   MFAC_DEMO_URL    http://localhost:PORT/demo
//   MFAC_CLOCK_FILE  the server's clock offset in seconds (test builds only)
//   MFAC_SCREENSHOT  where to write the page's screenshot
import { chromium } from "playwright-core";
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";

const url = process.env.MFAC_DEMO_URL;
const clockFile = process.env.MFAC_CLOCK_FILE;
let offset = 0;
function setClock(seconds) {
  offset = seconds;
  writeFileSync(clockFile, String(seconds));
}

// RFC 6238 from the base32 secret, as an authenticator app computes it.
function totp(secret, unixSeconds) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "").toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, "0");
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const h = createHmac("sha1", key).update(counter).digest();
  const o = h[h.length - 1] & 15;
  const n = (h.readUInt32BE(o) & 0x7fffffff) % 1000000;
  return String(n).padStart(6, "0");
}
const serverNow = () => Date.now() / 1000 + offset;

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1200, height: 860 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => { console.error("page error:", e.message); failed = true; });
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });

  // Waits until the element's text contains `want`; fails with what it holds.
  async function see(selector, want) {
    try {
      await page.waitForFunction(
        ([s, w]) => (document.querySelector(s)?.textContent ?? "").includes(w),
        [selector, want],
        { timeout: 10000 },
      );
    } catch (e) {
      const got = await page.locator(selector).textContent();
      const status = await page.locator("#status").textContent();
      throw new Error(`${selector}: wanted "${want}", got "${got}" (status: "${status}")`);
    }
    console.log(`ok: ${selector} shows "${want}"`);
  }
  async function signIn(outcome) {
    await page.click("#signin");
    await see("#outcome", outcome);
  }

  await page.goto(url);
  await see("#groups", "Kiosk");

  // A passkey, made by the virtual authenticator.
  await page.fill("#user", "pia@acme.test");
  await page.click("#enrol-passkey");
  await see("#status", "passkey enrolled");
  await see("#factors", "webauthn");
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  // The user is named first, so webauthn-rs asks for a non-discoverable
  // credential; the authenticator holds exactly the one it made.
  if (credentials.length !== 1) throw new Error(`one credential expected, not ${credentials.length}`);

  // Sign in with it.
  await signIn("challenge");
  await page.click("#answer-passkey");
  await see("#status", "verified: signed in with webauthn");
  // Inside the remember window (1h): no challenge.
  await signIn("allow (remembered)");
  // After it: asked again, and the passkey answers again.
  setClock(3601);
  await signIn("challenge");
  await page.click("#answer-passkey");
  await see("#status", "verified: signed in with webauthn");
  await signIn("allow (remembered)");
  // A Kiosk member needs nothing.
  await page.check("#groups input[value=Kiosk]");
  // "allow" is inside the previous "allow (remembered)", so wait for the
  // outcome to read exactly "allow": reading it at once raced the answer.
  await page.click("#signin");
  try {
    await page.waitForFunction(() => document.querySelector("#outcome")?.textContent === "allow", null, {
      timeout: 10000,
    });
  } catch (e) {
    const kiosk = await page.locator("#outcome").textContent();
    throw new Error(`a Kiosk member is let in outright, not "${kiosk}"`);
  }
  console.log('ok: #outcome shows exactly "allow"');
  await page.uncheck("#groups input[value=Kiosk]");
  await see("#audit", "verified");
  await page.screenshot({ path: process.env.MFAC_SCREENSHOT, fullPage: true });

  // An authenticator app, from the secret printed beside the QR code.
  await page.fill("#user", "tom@acme.test");
  await page.dispatchEvent("#user", "change");
  // Voiso's users page: required at once, nothing enrolled yet.
  await see("#enrolment", "overdue");
  await page.click("#enrol-totp");
  await see("#status", "scan the code");
  const qr = await page.locator("#qr img").getAttribute("src");
  if (!qr.startsWith("data:image/svg+xml;base64,")) throw new Error("no QR code");
  const secret = await page.locator("#totp-secret").textContent();
  await page.fill("#totp-code", "000000" === totp(secret, serverNow()) ? "111111" : "000000");
  await page.click("#confirm-totp");
  await see("#status", "code refused");
  await page.fill("#totp-code", totp(secret, serverNow()));
  await page.click("#confirm-totp");
  await see("#status", "authenticator app enrolled");
  await see("#factors", "totp");
  await see("#enrolment", "activated");
  await signIn("challenge");
  // The confirming step is spent; the app's next code signs in.
  await page.fill("#code", totp(secret, serverNow() + 30));
  await page.click("#answer-totp");
  await see("#status", "verified: signed in with totp");
  await see("#audit", "totp");
} catch (e) {
  console.error("FAILED:", e.message);
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
