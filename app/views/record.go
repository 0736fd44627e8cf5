package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
)

// Record shows one record: who issued it, when, validity, "as of", its
// claims (sensitive ones marked) and its versions.
type Record struct {
	Detail viewmodel.RecordDetail
	Error  *widget.Label
	Root   fyne.CanvasObject
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
		widget.NewFormItem(lang.L("Issued by"), wrapped(d.Issuer)),
		widget.NewFormItem(lang.L("Issued on"), widget.NewLabel(d.Issued)),
		widget.NewFormItem(lang.L("Status"), widget.NewLabel(d.Status)),
	))
	if d.Valid != "" {
		meta.Append(lang.L("Valid"), widget.NewLabel(d.Valid))
	}
	if d.Signed {
		meta.Append(lang.L("Signature"), wrapped(lang.L("verified when synced")))
	} else {
		meta.Append(lang.L("Signature"), wrapped(lang.L("none (imported from a file): cannot be shared")))
	}
	fields := vertical(widget.NewForm()) // labels above values: a long value gets the whole width
	sensitive := false
	for _, f := range d.Fields {
		fields.Append(f.Label, wrapped(f.Value))
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
		versions.Add(wrapped(lang.L("Version {{.N}}, issued {{.Date}}: {{.Status}}", map[string]any{"N": v.Version, "Date": v.Issued, "Status": v.Status})))
	}
	asOf := widget.NewLabel(d.AsOf)
	asOf.Importance = widget.LowImportance
	header := container.NewBorder(nil, nil, back, nil, title)
	r.Root = container.NewBorder(header, nil, nil, nil, container.NewVScroll(container.NewVBox(meta, asOf, widget.NewSeparator(), note, fields, widget.NewSeparator(), versions)))
	return r
}

func wrapped(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}
