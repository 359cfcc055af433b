package schemas

import "github.com/go-playground/validator/v10"

// registerStructRules adds the rules that span several fields.
func registerStructRules(v *validator.Validate) {
	v.RegisterStructValidation(func(sl validator.StructLevel) {
		o := sl.Current().Interface().(CardsOrder)
		if len(o.LineItems) > 0 && o.Amount > 0 && !sumMatches(o.Amount, len(o.LineItems), func(i int) (int64, int64) {
			return o.LineItems[i].Price, o.LineItems[i].Quantity
		}) {
			sl.ReportError(o.LineItems, "line_items", "LineItems", "sum", "")
		}
	}, CardsOrder{})

	v.RegisterStructValidation(func(sl validator.StructLevel) {
		r := sl.Current().Interface().(CardsPaymentRequest)
		// Bank Mandiri as acquirer limits the invoice number to 27.
		if r.Payment != nil && r.Payment.Acquirer == "BANK_MANDIRI" && len(r.Order.InvoiceNumber) > MandiriInvoiceMax {
			sl.ReportError(r.Order.InvoiceNumber, "order.invoice_number", "Order.InvoiceNumber", "max", "27")
		}
		// Tokenization (saving or using a card token) needs customer.id.
		if r.Card != nil && (r.Card.Save || r.Card.Token != "") && r.Customer.ID == "" {
			sl.ReportError(r.Customer.ID, "customer.id", "Customer.ID", "required", "")
		}
	}, CardsPaymentRequest{})

	v.RegisterStructValidation(func(sl validator.StructLevel) {
		r := sl.Current().Interface().(AkulakuOrderRequest)
		items := r.Order.LineItems
		if len(items) > 0 && r.Order.Amount > 0 && !sumMatches(r.Order.Amount, len(items), func(i int) (int64, int64) {
			return items[i].Price, items[i].Quantity
		}) {
			sl.ReportError(items, "order.line_items", "Order.LineItems", "sum", "")
		}
	}, AkulakuOrderRequest{})
}

// sumMatches reports whether Σ price×quantity == amount, treating overflow
// as a mismatch. An item without a positive price or quantity is already
// reported by its own rule, so the sum is not judged then (one mistake, one
// error).
func sumMatches(amount int64, n int, item func(int) (price, qty int64)) bool {
	const limit = int64(1) << 62
	var sum int64
	for i := 0; i < n; i++ {
		p, q := item(i)
		if p <= 0 || q <= 0 {
			return true
		}
		if p > limit/q {
			return false
		}
		sum += p * q
		if sum > limit {
			return false
		}
	}
	return sum == amount
}
