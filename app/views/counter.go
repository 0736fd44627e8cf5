package views

import (
	"image"
	_ "image/jpeg" // photos of a QR
	_ "image/png"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
)

// Counter is the one-stop counter's screen: a scan field a keyboard-wedge
// scanner types into, "open image", and the verified result.
type Counter struct {
	Scan     *widget.Entry
	Progress *widget.Label
	Status   *widget.Label
	Verdict  *canvas.Text
	Reason   *widget.Label
	Groups   *fyne.Container
	Copy     *widget.Button
	Export   *widget.Button
	Result   *viewmodel.CounterResult
	Root     fyne.CanvasObject
	win      fyne.Window
}

// NewCounter builds the counter screen for c in win (for dialogs and the
// clipboard).
func NewCounter(c *viewmodel.Counter, agency string, win fyne.Window) *Counter {
	v := &Counter{Scan: widget.NewEntry(), Progress: widget.NewLabel(""), Status: widget.NewLabel(""), Reason: widget.NewLabel(""),
		Groups: container.NewVBox(), win: win}
	v.Verdict = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	v.Verdict.TextSize = 32
	v.Verdict.TextStyle = fyne.TextStyle{Bold: true}
	v.Reason.Wrapping = fyne.TextWrapWord
	v.Status.Wrapping = fyne.TextWrapWord
	v.Status.SetText(c.Refresh())
	v.Scan.SetPlaceHolder(lang.L("Scan the citizen's QR code (or paste its text) and press Enter"))
	v.Scan.OnSubmitted = func(text string) {
		v.Scan.SetText("")
		progress, done := c.Scan(text)
		v.Progress.SetText(progress)
		if done {
			v.show(c.Result())
		}
	}
	open := widget.NewButton(lang.L("Open image…"), func() {
		dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			defer r.Close()
			img, _, err := image.Decode(r)
			if err != nil {
				v.Progress.SetText(lang.L("No readable QR code in that image. Try a sharper photo."))
				return
			}
			v.ScanImage(c, img)
		}, win)
	})
	refresh := widget.NewButton(lang.L("Refresh trust list"), func() { v.Status.SetText(c.Refresh()) })
	newScan := widget.NewButton(lang.L("New citizen"), func() {
		c.Reset()
		v.Progress.SetText("")
		v.show(nil)
	})
	v.Copy = widget.NewButton(lang.L("Copy data"), func() {
		if v.Result != nil {
			b, _ := v.Result.JSON()
			fyne.CurrentApp().Clipboard().SetContent(string(b))
		}
	})
	v.Export = widget.NewButton(lang.L("Export CSV…"), func() {
		if v.Result == nil {
			return
		}
		dialog.ShowFileSave(func(w fyne.URIWriteCloser, err error) {
			if err != nil || w == nil {
				return
			}
			defer w.Close()
			w.Write(v.Result.CSV())
		}, win)
	})
	v.Copy.Disable()
	v.Export.Disable()
	title := widget.NewLabelWithStyle(lang.L("One-stop counter")+" — "+agency, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewVBox(title, v.Status, v.Scan, container.NewGridWithColumns(3, open, refresh, newScan), v.Progress)
	result := container.NewVBox(v.Verdict, v.Reason, v.Groups, container.NewGridWithColumns(2, v.Copy, v.Export))
	v.Root = container.NewBorder(top, nil, nil, nil, container.NewVScroll(result))
	return v
}

// ScanImage reads a QR from an image (a photo or a screenshot).
func (v *Counter) ScanImage(c *viewmodel.Counter, img image.Image) {
	progress, done, err := c.ReadImage(img)
	if err != nil {
		v.Progress.SetText(err.Error())
		return
	}
	v.Progress.SetText(progress)
	if done {
		v.show(c.Result())
	}
}

// show displays a result (nil clears it).
func (v *Counter) show(r *viewmodel.CounterResult) {
	v.Result = r
	v.Groups.RemoveAll()
	v.Copy.Disable()
	v.Export.Disable()
	switch {
	case r == nil:
		v.Verdict.Text = ""
		v.Reason.SetText("")
	case r.Valid:
		v.Verdict.Text = lang.L("VALID")
		v.Verdict.Color = theme.Color(theme.ColorNameSuccess)
		v.Reason.SetText(lang.L("Purpose") + ": " + r.Purpose + " · " + lang.L("Procedure") + ": " + r.Procedure + " · " + lang.L("valid until") + " " + r.Expires)
		for _, g := range r.Groups {
			v.Groups.Add(widget.NewLabelWithStyle(g.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
			issuer := widget.NewLabel(lang.L("Vouched for by") + ": " + g.Issuer)
			issuer.Wrapping = fyne.TextWrapWord
			v.Groups.Add(issuer)
			form := widget.NewForm()
			for _, f := range g.Fields {
				val := widget.NewLabel(f[1])
				val.Wrapping = fyne.TextWrapWord
				form.Append(f[0], val)
			}
			v.Groups.Add(form)
		}
		v.Copy.Enable()
		v.Export.Enable()
	default:
		v.Verdict.Text = lang.L("NOT VALID")
		v.Verdict.Color = theme.Color(theme.ColorNameError)
		v.Reason.SetText(r.Reason)
	}
	v.Verdict.Refresh()
	v.Root.Refresh()
}
