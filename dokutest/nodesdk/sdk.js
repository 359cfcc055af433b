// Drives DOKU's official Node SDK (doku-nodejs-library) against the dokukit
// simulator over loopback: B2B token, account binding, a DANA direct-debit
// payment and its refund. Run by dokutest's TestNodeSDK, which passes
// DOKU_BASE_URL, DOKU_CLIENT_ID, DOKU_SNAP_SECRET and DOKU_PRIVATE_KEY_FILE
// and reads one JSON object from stdout. Nothing here is a mock: every call
// is the SDK's own, signed by the SDK.
"use strict";

const fs = require("fs");
const axios = require("axios");
const Config = require("doku-nodejs-library/_commons/config");
const Snap = require("doku-nodejs-library/_modules/snap");
const tokenService = require("doku-nodejs-library/_services/tokenService");
const AccountBindingRequestDto = require("doku-nodejs-library/_models/accountBindingRequestDTO");
const AccountBindingAdditionalInfoRequestDto = require("doku-nodejs-library/_models/accountBindingAdditionalInfoRequestDTO");
const { PaymentRequestDto, TotalAmountDto, PaymentAdditionalInfoRequestDto } = require("doku-nodejs-library/_models/paymentRequestDirectDebitDTO");
const RefundRequestDto = require("doku-nodejs-library/_models/refundRequestDTO");

// The SDK hard-codes DOKU's sandbox; point it at the simulator at run time
// (no hosts file, no TLS trick).
Config.CORE_SANDBOX_BASE_URL = process.env.DOKU_BASE_URL;

const clientID = process.env.DOKU_CLIENT_ID;
const secretKey = process.env.DOKU_SNAP_SECRET;
const privateKey = fs.readFileSync(process.env.DOKU_PRIVATE_KEY_FILE, "utf8");
const ip = "192.168.10.20"; // the SDK wants 10-15 characters
const device = "device-0001";
const out = { steps: {} };

function answer(e) {
  if (e && e.response) {
    return { status: e.response.status, body: e.response.data };
  }
  return { error: String(e && e.message) };
}

// The DOKU Wallet page's binding body (partnerReferenceNo, redirectUrl,
// additionalInfo) from the SDK's binding DTO: the SDK's own binding path
// and body ({phoneNo, additionalInfo}) belong to a direct-debit binding API
// that is on none of the kit's DOKU pages. The SDK signs and sends
// JSON.stringify(dto), so toJSON shapes both the same way.
const bindingRef = new WeakMap();
class WalletBindingDto extends AccountBindingRequestDto {
  toJSON() {
    return { partnerReferenceNo: bindingRef.get(this), redirectUrl: this.additionalInfo.successRegistrationUrl, additionalInfo: this.additionalInfo };
  }
}

async function main() {
  // 1. B2B token: the constructor asks for one; wait for that request.
  const orig = Snap.prototype.getTokenB2B;
  let first;
  Snap.prototype.getTokenB2B = function () {
    const p = orig.call(this);
    if (!first) first = p;
    return p;
  };
  const snap = new Snap({ isProduction: false, privateKey, clientID, secretKey });
  out.steps.token = await first.then((r) => ({ responseCode: r.responseCode, tokenType: r.tokenType, expiresIn: r.expiresIn }), answer);

  // 2. Account binding. The SDK's default path is not a route of the table.
  const info = new AccountBindingAdditionalInfoRequestDto("EMONEY_DANA_SNAP", "cust-001", "Jane Doe", "jane@example.com", undefined,
    undefined, undefined, undefined, "https://merchant.example/bound", "https://merchant.example/failed");
  for (const k of Object.keys(info)) if (info[k] === undefined) delete info[k];
  const plain = new AccountBindingRequestDto("62813941306101", Object.assign(Object.create(Object.getPrototypeOf(info)), info));
  out.steps.bindingDefaultPath = await snap.doAccountBinding(plain, ip, device).then((r) => ({ body: r }), answer);

  Config.DIRECT_DEBIT_ACCOUNT_BINDING_URL = "/snap-adapter/b2b/v1.0/registration-account-binding";
  const binding = new WalletBindingDto("62813941306101", info);
  bindingRef.set(binding, "BIND-SDK-" + Date.now());
  const bound = await snap.doAccountBinding(binding, ip, device).catch(answer);
  out.steps.binding = { responseCode: bound.responseCode, linkId: bound.linkId, status: bound.status, body: bound.body };

  // 3. Binding inquiry carries additionalInfo.authCode. The SDK has no
  // method for it; it is signed with the SDK's own signature function.
  const path = "/snap-adapter/b2b/v1.0/registration-account-inquiry";
  const inquiry = { partnerReferenceNo: "INQ-SDK-" + Date.now(), additionalInfo: { accountId: String(bound.userInfo && bound.userInfo.publicUserId) } };
  const ts = tokenService.generateTimestamp();
  const sig = tokenService.generateSymmetricSignature("POST", path, snap.tokenB2B, inquiry, ts, secretKey);
  const inq = await axios.post(Config.getBaseUrl(false) + path, inquiry, {
    headers: { "X-PARTNER-ID": clientID, "X-TIMESTAMP": ts, "X-SIGNATURE": sig, Authorization: "Bearer " + snap.tokenB2B, "X-EXTERNAL-ID": Date.now().toString() },
  }).then((r) => r.data, answer);
  const authCode = inq.additionalInfo && inq.additionalInfo.authCode;
  out.steps.bindingInquiry = { responseCode: inq.responseCode, hasAuthCode: Boolean(authCode) };

  // 4. DANA payment: the SDK first exchanges the authCode for a B2B2C token.
  const ref = "INV-SDK-" + Date.now();
  const pay = new PaymentRequestDto(ref, new TotalAmountDto("15000.00", "IDR"), [],
    new PaymentAdditionalInfoRequestDto("EMONEY_DANA_SNAP", undefined, "https://merchant.example/paid", "https://merchant.example/failed", []));
  // Empty lists the SDK fills in for other direct-debit channels; they are
  // not on the DANA page's field table.
  delete pay.payOptionDetails;
  delete pay.additionalInfo.lineItems;
  const paid = await snap.doPayment(pay, authCode, ip, device).catch(answer);
  out.steps.payment = { responseCode: paid.responseCode, partnerReferenceNo: paid.partnerReferenceNo, webRedirectUrl: paid.webRedirectUrl, status: paid.status, body: paid.body };
  out.reference = ref;

  // The Go test completes the payment (as the customer paying would) and
  // answers on stdin before the refund.
  process.stdout.write(JSON.stringify({ waitingForCompletion: ref }) + "\n");
  await new Promise((resolve) => process.stdin.once("data", resolve));

  // 5. Refund part of it, then more than is left.
  const refund = (no, value) => new RefundRequestDto(ref, { value, currency: "IDR" }, no, undefined, "customer request", { channel: "EMONEY_DANA_SNAP" });
  const r1 = await snap.doRefund(refund("RF-SDK-1", "5000.00"), authCode, ip, device).catch(answer);
  out.steps.refund = { responseCode: r1.responseCode, status: r1.status, body: r1.body };
  const r2 = await snap.doRefund(refund("RF-SDK-2", "10000.01"), authCode, ip, device).catch(answer);
  out.steps.refundTooMuch = { status: r2.status, responseCode: r2.body && r2.body.responseCode };
}

main().then(
  () => { process.stdout.write(JSON.stringify(out) + "\n"); process.exit(0); },
  (e) => { out.fatal = String(e && e.stack); process.stdout.write(JSON.stringify(out) + "\n"); process.exit(1); },
);
