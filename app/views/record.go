package views

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
)

// Record shows one record. A BHYT card, căn cước, driving licence or
// diploma opens as the document people know (viewmodel.Card): its lines
// in the order and with the names printed on it, coded values in words
// with the code in small text, then a closed "Chi tiết" with the other
// claims. Other records list their claims. Below: who signed the
// electronic copy and when (never called "Ngày cấp", which is the
// document's own date), validity, "as of", a sensitive-data note said
// once, and the versions.
type Record struct {
	Detail  viewmodel.RecordDetail
	Error   *widget.Label
	Details *widget.Accordion // the card's other claims; nil without a card
	// Sync says "needs a sync before you show it to an office" when the
	// record's electronic copy has expired (empty otherwise).
	Sync *fyne.Container
	Root fyne.CanvasObject
}

// needsSyncLabel is the warning of a record whose electronic copy has
// expired on this phone (viewmodel.RecordRow.NeedsSync): on its screen,
// in its domain's list and in the share screen.
func needsSyncLabel() *widget.Label {
	l := widget.NewLabelWithStyle(lang.L("Needs a sync before you show it to an office"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.WarningImportance
	return l
}

// NewRecord builds the detail screen of record id; onBack returns.
func NewRecord(w *viewmodel.Wallet, id string, onBack func()) *Record {
	r := &Record{Error: widget.NewLabel("")}
	r.Error.Wrapping = fyne.TextWrapWord
	r.Error.Importance = widget.DangerImportance
	back := newButton(lang.L("Back"), onBack)
	d, err := w.Record(id)
	if err != nil {
		r.Error.SetText(viewmodel.ErrorText(err))
		r.Root = container.NewVBox(back, r.Error)
		return r
	}
	r.Detail = d
	title := widget.NewLabelWithStyle(d.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Wrapping = fyne.TextWrapWord
	meta := vertical(widget.NewForm(
		widget.NewFormItem(lang.L("Electronic copy signed by"), wrapped(d.Issuer)),
		widget.NewFormItem(lang.L("Electronic copy signed on"), valueLabel(d.Issued)),
		widget.NewFormItem(lang.L("Status"), widget.NewLabel(d.Status)),
	))
	if d.Valid != "" && d.Card == nil { // a card says its validity in its own words
		meta.Append(lang.L("Valid"), valueLabel(d.Valid))
	}
	if d.Signed {
		meta.Append(lang.L("Signature"), wrapped(lang.L("verified when synced")))
	} else {
		meta.Append(lang.L("Signature"), wrapped(lang.L("none (imported from a file): cannot be shared")))
	}
	rows := d.Fields
	if d.Card != nil {
		rows = d.Card.Details
	}
	// Names above values, both wrapping between words: a long value (and
	// a long name at large text) gets the whole width.
	fields := container.NewVBox()
	sensitive := false
	for _, f := range rows {
		name := small(f.Label)
		fields.Add(container.New(layout.NewCustomPaddedVBoxLayout(-theme.Size(theme.SizeNameInnerPadding)), name, valueOrWords(f.Value)))
		sensitive = sensitive || f.Sensitive
	}
	// Sensitive data is said once per record, with what it means, not
	// glued to every value.
	var note fyne.CanvasObject = container.NewVBox()
	if sensitive {
		n := wrapped(lang.L("This record holds sensitive personal data (health, criminal record …). The law protects it more strictly: share it only when a procedure needs it."))
		n.Importance = widget.WarningImportance
		note = n
	}
	versions := container.NewVBox(widget.NewLabelWithStyle(lang.L("Versions"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for _, v := range d.Versions {
		versions.Add(wrapped(lang.L("Version {{.N}}, signed {{.Date}}: {{.Status}}", map[string]any{"N": v.Version, "Date": v.Issued, "Status": v.Status})))
	}
	asOf := widget.NewLabel(d.AsOf)
	asOf.Importance = widget.LowImportance
	header := container.NewBorder(nil, nil, back, nil, title)
	// An electronic copy past its technical expiry: said first, before
	// the citizen shows it at a counter that would refuse it.
	r.Sync = container.NewVBox()
	if d.NeedsSync {
		r.Sync.Add(needsSyncLabel())
		why := wrapped(lang.L("The electronic copy on this phone has expired because the app has not synced for a long time; the document itself is not affected. Press Sync where there is signal."))
		r.Sync.Add(why)
	}
	var body *fyne.Container
	if d.Card != nil {
		r.Details = widget.NewAccordion(widget.NewAccordionItem(lang.L("Details"), container.NewVBox(note, fields)))
		body = container.NewVBox(r.Sync, newCard(*d.Card), r.Details, widget.NewSeparator(), meta, asOf, widget.NewSeparator(), versions)
	} else {
		body = container.NewVBox(r.Sync, meta, asOf, widget.NewSeparator(), note, fields, widget.NewSeparator(), versions)
	}
	r.Root = container.NewBorder(header, nil, nil, nil, container.NewVScroll(body))
	return r
}

// newCard draws a record as its document: a framed panel with the title
// as printed and one line per field, its printed name in small text above
// the value, and a coded value's code in small text after its words.
func newCard(c viewmodel.Card) fyne.CanvasObject {
	title := widget.NewLabelWithStyle(strings.ToUpper(c.Title), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.Wrapping = fyne.TextWrapWord
	lines := container.NewVBox(title)
	for _, l := range c.Lines {
		name := small(l.Label)
		var value fyne.CanvasObject
		if l.Kind == viewmodel.Value {
			value = valueLabel(l.Value)
		} else {
			value = wrapped(l.Value)
		}
		// The name sits close above its value, as printed.
		line := container.New(layout.NewCustomPaddedVBoxLayout(-theme.Size(theme.SizeNameInnerPadding)), name, value)
		if l.Code != "" {
			line.Add(small(l.Code))
		}
		lines.Add(line)
	}
	frame := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	frame.StrokeColor = theme.Color(theme.ColorNamePrimary)
	frame.StrokeWidth = 1
	frame.CornerRadius = theme.Size(theme.SizeNameInputRadius)
	return container.NewStack(frame, container.NewPadded(lines))
}

func wrapped(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// small is a card's printed field name or a code beside its words: small
// text, in the normal colour (faint grey is hard to read for older
// eyes), that may wrap.
func small(s string) *widget.Label {
	l := wrapped(s)
	l.SizeName = theme.SizeNameCaptionText
	return l
}

// valueLabel shows a number, code or date on one line, never split: when
// the line is wider than the screen (very large text) it scrolls
// sideways instead of wrapping mid-value.
func valueLabel(s string) fyne.CanvasObject {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapOff
	return container.NewHScroll(l)
}

// valueOrWords shows a claim: on one line when it is a single number or
// code (viewmodel.IsCode), wrapping between words otherwise.
func valueOrWords(s string) fyne.CanvasObject {
	if viewmodel.IsCode(s) {
		return valueLabel(s)
	}
	return wrapped(s)
}
