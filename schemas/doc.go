// Package schemas holds a typed request and response for every DOKU endpoint
// in the DOKU product pages (DANA SNAP direct debit, Cards payment page,
// Kirim DOKU, DOKU Wallet SNAP, Akulaku), the notifications DOKU sends to a
// merchant, and a route table that ties method + path to those types, the
// SNAP service code and the DOKU page's success code.
//
// Field rules are go-playground/validator/v10 tags plus a few custom rules
// (SNAP money, ISO-8601 timestamps, line items summing to the amount), run by
// one shared validator whose field names are the JSON names. Validate lists
// every bad field at once, each with its JSON path
// (order.line_items[2].price) and whether it is missing (SNAP case 02) or
// malformed (SNAP case 01).
//
// Two strictness levels, by who writes the message:
//   - what the merchant sends to DOKU follows DOKU's field tables strictly:
//     SNAP money is {"value":"10000.00","currency":"IDR"} (a string with
//     exactly two decimals and an ISO 4217 code), timestamps are ISO-8601;
//   - what DOKU sends to the merchant (responses, notifications) is read
//     leniently: every spelling DOKU's own pages show is accepted (numbers
//     as strings, "900" or 900, additionalInfo "" or {}, odd timestamps),
//     because rejecting DOKU's real message loses money.
//
// Either way a body has one reading: Decode rejects a key that appears
// twice in its object (encoding/json would keep the last) and a key that
// differs from a field's JSON name only by case (encoding/json would match
// it), naming the key; a spelling a DOKU page really sends is an explicit
// alias. CheckKeys and ValueAt give other readers (the duplicate guard's
// business key, the token endpoint) the same reading.
//
// The package imports only validator, the standard library and sign (pure,
// standard library only), which holds the one timestamp shape, the WIB
// zone and the malformed-timestamp sentinel the kit shares; it is data for
// the middleware, notify, the CLI and the conformance suite. All
// functions are safe for concurrent use.
package schemas
