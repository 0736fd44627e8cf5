package views

import (
	"context"
	"errors"
	"image"
	"image/color"
	_ "image/jpeg" // photos of a QR
	_ "image/png"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/camera"
	"github.com/vnwallet/citizenwallet/app/viewmodel"
)

// Counter is the one-stop counter's screen: a scan field a keyboard-wedge
// scanner types into, "open image", the verified result, and the
// counter's log.
type Counter struct {
	Scan     *ScanField
	Progress *widget.Label
	Status   *widget.Label
	Verdict  *canvas.Text
	// Band is the verdict's full-width colour band, Who the citizen's name
	// and date of birth in it; they stay in view while the fields scroll.
	Band   *canvas.Rectangle
	Who    *widget.Label
	Reason *widget.Label
	// Revocations is how the verdict's revocation was checked (online,
	// or the list's age), shown with every verdict; a warning when stale.
	Revocations *widget.Label
	// Withdrawals is how the agencies' withdrawals of the records were
	// checked (viewmodel.CounterResult.Withdrawals): the lists' age, or a
	// warning for a record that could not be checked.
	Withdrawals *widget.Label
	Groups      *fyne.Container
	// Picker is the image picker last opened.
	Picker *ImagePicker
	// FieldCopies copy one verified value each, in the order shown.
	FieldCopies []*widget.Button
	Copy        *widget.Button
	ExportJSON  *widget.Button
	ExportCSV   *widget.Button
	// Camera starts and stops reading codes from a webcam; Preview shows
	// what it sees. OpenCamera opens the source (camera.Open("") unless a
	// test or a demonstration sets another). CameraDone is closed when the
	// camera's reading ends.
	Camera     *widget.Button
	Preview    *canvas.Image
	OpenCamera func() (camera.Source, error)
	CameraDone chan struct{}
	stopCamera context.CancelFunc
	// LogButton shows the counter's log (Log), Back returns.
	LogButton *widget.Button
	Log       *widget.List
	LogRows   []viewmodel.LogRow
	Result    *viewmodel.CounterResult
	Root      fyne.CanvasObject
	win       fyne.Window
	main, log fyne.CanvasObject
}

// NewCounter builds the counter screen for c in win (for dialogs and the
// clipboard). It fits a phone held upright as well as a desktop.
func NewCounter(c *viewmodel.Counter, win fyne.Window) *Counter {
	v := &Counter{Scan: NewScanField(lang.L("Scan the QR code and press Enter")), Progress: widget.NewLabel(""), Status: widget.NewLabel(""), Reason: widget.NewLabel(""),
		Revocations: widget.NewLabel(""), Withdrawals: widget.NewLabel(""), Groups: container.NewVBox(), win: win}
	v.Revocations.Wrapping = fyne.TextWrapWord
	v.Withdrawals.Wrapping = fyne.TextWrapWord
	v.Verdict = canvas.NewText("", color.White)
	v.Verdict.TextSize = 32
	v.Verdict.TextStyle = fyne.TextStyle{Bold: true}
	v.Band = canvas.NewRectangle(color.Transparent)
	v.Who = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.Who.Wrapping = fyne.TextWrapWord
	v.Reason.Wrapping = fyne.TextWrapWord
	v.Status.Wrapping = fyne.TextWrapWord
	v.Status.SetText(c.Refresh())
	v.Scan.OnSubmitted = func(text string) { v.take(c, text) }
	open := newButton(lang.L("Open images…"), func() { v.OpenImages(c, startDir()) })
	v.OpenCamera = func() (camera.Source, error) { return camera.Open("") }
	v.Preview = canvas.NewImageFromImage(nil)
	v.Preview.FillMode = canvas.ImageFillContain
	v.Preview.SetMinSize(fyne.NewSize(320, 240))
	v.Preview.Hide()
	v.Camera = newButton(lang.L("Camera"), func() { v.toggleCamera(c) })
	if !camera.Supported {
		v.Camera.Hide() // no camera driver in this build (a phone, or a build without cgo)
	}
	refresh := newButton(lang.L("Refresh"), func() { v.Status.SetText(c.Refresh()); v.focusScan() })
	newScan := newButton(lang.L("New citizen"), func() {
		c.ClearResult()
		v.Progress.SetText("")
		v.show(nil)
		v.focusScan()
	})
	v.Copy = newButton(lang.L("Copy all"), func() {
		fyne.CurrentApp().Clipboard().SetContent(v.Result.Text())
		v.focusScan()
	})
	save := func(ext string, data func() ([]byte, error)) func() {
		return func() {
			d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
				defer v.focusScan()
				if err != nil || w == nil {
					return
				}
				defer w.Close()
				b, err := data()
				if err == nil {
					_, err = w.Write(b)
				}
				if err != nil {
					dialog.ShowError(err, win)
				}
			}, win)
			d.SetFileName(v.Result.ConsentID + ext)
			d.Show()
		}
	}
	v.ExportJSON = newButton(lang.L("JSON…"), save(".json", func() ([]byte, error) { return v.Result.JSON() }))
	v.ExportCSV = newButton(lang.L("CSV…"), save(".csv", func() ([]byte, error) { return v.Result.CSV(), nil }))
	for _, b := range []*widget.Button{v.Copy, v.ExportJSON, v.ExportCSV} {
		b.Disable()
	}

	v.Log = widget.NewList(func() int { return len(v.LogRows) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Wrapping = fyne.TextWrapWord
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := v.LogRows[i]
			text := r.At + " · " + lang.L("VALID") + " · " + r.Procedure
			switch {
			case r.ScanError:
				text = r.At + " · " + lang.L("SCAN ERROR") + " · " + r.Reason
			case !r.Valid:
				text = r.At + " · " + lang.L("NOT VALID") + " · " + r.Reason
			}
			o.(*widget.Label).SetText(text)
			v.Log.SetItemHeight(i, o.MinSize().Height)
		})
	v.log = container.NewBorder(container.NewBorder(nil, nil, newButton(lang.L("Back"), func() { v.setRoot(v.main) }), nil,
		widget.NewLabelWithStyle(lang.L("Verified at this counter"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})), nil, nil, nil, v.Log)
	v.LogButton = newButton(lang.L("Log"), func() {
		rows, err := c.Log(500)
		if err != nil {
			v.Progress.SetText(err.Error())
			return
		}
		v.LogRows = rows
		v.Log.Refresh()
		v.setRoot(v.log)
	})

	title := widget.NewLabelWithStyle(lang.L("One-stop counter")+" — "+c.AgencyName(), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Wrapping = fyne.TextWrapWord
	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, v.LogButton, title),
		container.NewBorder(nil, nil, nil, refresh, v.Status),
		v.Scan,
		buttonRow(open, v.Camera, newScan),
		v.Preview,
		v.Progress,
		container.NewStack(v.Band, container.NewPadded(container.NewVBox(v.Verdict, v.Who))))
	// What the verdict is about and how it was checked scroll with the
	// fields, right under the band: on a phone at large text a fixed top
	// that held them too would leave the fields no room at all.
	result := container.NewVBox(v.Reason, v.Revocations, v.Withdrawals, v.Groups, buttonRow(v.Copy, v.ExportJSON, v.ExportCSV))
	v.main = container.NewBorder(top, nil, nil, nil, container.NewVScroll(result))
	v.Root = container.NewStack(v.main)
	v.catchScans()
	return v
}

// take is one scanned QR text, from the scanner, the camera or an image.
func (v *Counter) take(c *viewmodel.Counter, text string) {
	progress, done := c.Scan(text)
	v.Progress.SetText(progress)
	if done || c.Result() == nil {
		v.show(c.Result()) // a new person's first code hides the previous result at once
	}
}

// toggleCamera starts reading codes from the camera, with its preview, or
// stops it. Each code the camera reads is taken as a scan; the phone's
// cycling parts are collected in any order.
func (v *Counter) toggleCamera(c *viewmodel.Counter) {
	if v.stopCamera != nil {
		v.stopCamera()
		v.focusScan()
		return
	}
	src, err := v.OpenCamera()
	if err != nil {
		v.Progress.SetText(viewmodel.CameraErrorText(err))
		v.focusScan()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	v.stopCamera, v.CameraDone = cancel, done
	v.Camera.SetText(lang.L("Stop the camera"))
	v.Preview.Show()
	v.Progress.SetText(lang.L("Hold the phone's code in front of the camera."))
	v.focusScan()
	go func() { // last: what it shows goes through fyne.Do
		err := camera.Scan(ctx, src, camera.Options{},
			func(text string) { fyne.Do(func() { v.take(c, text) }) },
			func(img image.Image) {
				fyne.Do(func() {
					v.Preview.Image = img
					v.Preview.Refresh()
				})
			})
		src.Close()
		fyne.Do(func() {
			cancel()
			v.stopCamera = nil
			v.Camera.SetText(lang.L("Camera"))
			v.Preview.Hide()
			v.Preview.Image = nil
			if err != nil && !errors.Is(err, context.Canceled) {
				v.Progress.SetText(viewmodel.CameraErrorText(err))
			}
			close(done)
		})
	}()
}

// focusScan gives the scan field the keyboard again: after every
// button and dialog, the scanner's next code must land in it.
func (v *Counter) focusScan() {
	if c := v.win.Canvas(); c.Focused() != v.Scan {
		c.Focus(v.Scan)
	}
}

// catchScans makes the window take a scanner's keystrokes when nothing
// has the focus (a click on the background, a closed dialog): they go
// to the scan field, Enter included.
func (v *Counter) catchScans() {
	cv := v.win.Canvas()
	cv.SetOnTypedRune(func(r rune) {
		v.focusScan()
		v.Scan.TypedRune(r)
	})
	cv.SetOnTypedKey(func(e *fyne.KeyEvent) {
		if e.Name == fyne.KeyReturn || e.Name == fyne.KeyEnter {
			v.focusScan()
			v.Scan.TypedKey(e)
		}
	})
}

// Tick runs the counter's clock (viewmodel.Counter.Tick): a due refresh
// updates the status line, an idle result is cleared.
func (v *Counter) Tick(c *viewmodel.Counter) {
	// A value selected with the mouse holds the focus (and would swallow
	// the next scan): the next tick gives it back to the scan field.
	if f := v.win.Canvas().Focused(); f != nil && f != v.Scan && len(v.Root.(*fyne.Container).Objects) > 0 && v.Root.(*fyne.Container).Objects[0] == v.main {
		if _, typing := f.(*widget.Entry); !typing {
			v.focusScan()
		}
	}
	status, cleared := c.Tick()
	if status != "" {
		v.Status.SetText(status)
	}
	if cleared {
		v.Progress.SetText("")
		v.show(nil)
	}
}

func (v *Counter) setRoot(o fyne.CanvasObject) {
	st := v.Root.(*fyne.Container)
	st.Objects = []fyne.CanvasObject{o}
	st.Refresh()
	if o == v.main {
		v.win.Canvas().Focus(v.Scan) // ready for the scanner again
	}
}

// OpenImages shows the counter's image picker at dir; the ticked files
// are read in turn (the parts of one share, in any order), and each one
// that cannot be read is named.
func (v *Counter) OpenImages(c *viewmodel.Counter, dir string) *ImagePicker {
	v.Picker = newImagePicker(v.win, dir, func(paths []string) {
		progress, done, problems := c.ReadImageFiles(paths)
		text := progress
		for _, pr := range problems {
			text += "\n" + pr
		}
		v.Progress.SetText(strings.TrimSpace(text))
		if done || c.Result() == nil {
			v.show(c.Result())
		}
	}, v.focusScan)
	return v.Picker
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
	v.FieldCopies = nil
	v.Who.SetText("")
	for _, b := range []*widget.Button{v.Copy, v.ExportJSON, v.ExportCSV} {
		b.Disable()
	}
	v.Revocations.Importance = widget.MediumImportance
	if r != nil && r.RevocationsStale {
		v.Revocations.Importance = widget.WarningImportance
	}
	v.Withdrawals.Importance = widget.MediumImportance
	v.Withdrawals.SetText("")
	if r != nil && r.Valid {
		if r.WithdrawalsUnchecked {
			v.Withdrawals.Importance = widget.WarningImportance
		}
		v.Withdrawals.SetText(r.Withdrawals)
	}
	if v.Withdrawals.Text == "" {
		v.Withdrawals.Hide() // an online token, or no verdict: no empty line
	} else {
		v.Withdrawals.Show()
	}
	switch {
	case r == nil:
		v.Verdict.Text = ""
		v.Band.FillColor = color.Transparent
		v.Reason.SetText("")
		v.Revocations.SetText("")
	case r.Valid:
		v.Verdict.Text = lang.L("VALID")
		v.Band.FillColor = theme.Color(theme.ColorNameSuccess)
		who := r.Name
		if r.BirthDate != "" {
			who += " · " + lang.L("born") + " " + r.BirthDate
		}
		v.Who.SetText(who)
		about := r.Procedure + "\n" + lang.L("Purpose") + ": " + r.Purpose + "\n" + lang.L("valid until") + " " + r.Expires
		if len(r.Vouchers) > 0 {
			about += "\n" + lang.L("Vouched for by") + ": " + strings.Join(r.Vouchers, ", ")
		}
		if r.Retention != "" {
			about += "\n" + lang.L("Keep the data") + ": " + r.Retention
		}
		v.Reason.SetText(about)
		v.Revocations.SetText(r.Revocations)
		for _, g := range r.Groups {
			head := widget.NewLabelWithStyle(g.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			head.Wrapping = fyne.TextWrapWord
			issuer := widget.NewLabel(lang.L("Vouched for by") + ": " + g.Issuer)
			issuer.Wrapping = fyne.TextWrapWord
			issuer.Importance = widget.SuccessImportance
			v.Groups.Add(widget.NewSeparator())
			v.Groups.Add(head)
			v.Groups.Add(issuer)
			// Label over value, each value selectable and with its own
			// copy button: long Vietnamese names and values keep the full
			// width of a phone. A coded value is said in words, as the
			// record's card says it, with its code in small text below
			// ("mã 4"); its copy button copies both.
			for _, f := range g.Fields {
				caption := widget.NewRichText(&widget.TextSegment{Text: f.Label, Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder, SizeName: theme.SizeNameCaptionText}})
				caption.Wrapping = fyne.TextWrapWord
				value := widget.NewLabelWithStyle(f.Value, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
				value.Wrapping = fyne.TextWrapWord
				value.Selectable = true
				text := f.Value
				field := container.NewVBox(caption, value)
				if f.Code != "" {
					text += " (" + f.Code + ")"
					field.Add(small(f.Code))
				}
				cp := newButtonWithIcon("", theme.ContentCopyIcon(), func() {
					fyne.CurrentApp().Clipboard().SetContent(text)
					v.focusScan()
				})
				v.FieldCopies = append(v.FieldCopies, cp)
				v.Groups.Add(container.NewBorder(nil, nil, nil, container.NewCenter(cp), field))
			}
		}
		for _, b := range []*widget.Button{v.Copy, v.ExportJSON, v.ExportCSV} {
			b.Enable()
		}
	case r.ScanProblem:
		v.Verdict.Text = lang.L("SCAN AGAIN")
		v.Band.FillColor = theme.Color(theme.ColorNameWarning)
		v.Reason.SetText(r.Reason)
		v.Revocations.SetText("")
	default:
		v.Verdict.Text = lang.L("NOT VALID")
		v.Band.FillColor = theme.Color(theme.ColorNameError)
		v.Reason.SetText(r.Reason)
		v.Revocations.SetText(r.Revocations)
	}
	v.Verdict.Refresh()
	v.Band.Refresh()
	v.Root.Refresh()
}
