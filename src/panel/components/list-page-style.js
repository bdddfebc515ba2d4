// The list page's look, in one place because its parts share the class names (lp-*); the phone
// layout (600 px or less) turns the table into cards of labelled values with CSS alone.

export const LIST_PAGE_STYLE = `
.lp-toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 12px; }
.lp-search { flex: 1 1 240px; min-width: 0; display: flex; gap: 4px; }
.lp-search input { flex: 1; min-width: 0; height: 36px; padding: 0 10px; border: 1px solid #C0C0CA; border-radius: 4px; font-size: 14px; }
.lp-button { height: 36px; padding: 0 12px; border: 1px solid #C0C0CA; border-radius: 4px; background: #fff; color: #1C1C38; font-size: 14px; cursor: pointer; display: inline-flex; align-items: center; gap: 4px; text-decoration: none; white-space: nowrap; }
.lp-button.primary { background: #3040D6; border-color: #3040D6; color: #fff; }
.lp-button:disabled { opacity: .5; cursor: default; }
.lp-select { height: 36px; border: 1px solid #C0C0CA; border-radius: 4px; padding: 0 6px; font-size: 14px; background: #fff; }
.lp-page :focus-visible { outline: 3px solid #3040D6; outline-offset: 2px; }
.lp-page .lp-menu-list :focus-visible { outline-offset: -3px; }
.lp-chips { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-bottom: 8px; }
.lp-chip { display: inline-flex; align-items: center; gap: 6px; padding: 4px 6px 4px 10px; border-radius: 14px; background: #E8EBFB; color: #1C1C38; font-size: 13px; }
.lp-chip button { border: 0; background: transparent; cursor: pointer; font-size: 16px; line-height: 1; padding: 0 4px; border-radius: 8px; }
.lp-link { border: 0; background: transparent; color: #3040D6; cursor: pointer; font-size: 13px; text-decoration: underline; padding: 2px 4px; }
.lp-count { color: #454655; font-size: 14px; margin: 4px 0 8px; }
.lp-table { width: 100%; border-collapse: collapse; background: #fff; font-size: 14px; }
.lp-table th { text-align: left; font-weight: 600; padding: 10px 8px; border-bottom: 1px solid #E0E0E6; white-space: nowrap; }
.lp-table td { padding: 8px; border-bottom: 1px solid #EEEEF2; vertical-align: top; }
.lp-table tbody tr { cursor: pointer; }
.lp-table tbody tr:hover { background: #F6F7FD; }
.lp-table tbody tr.selected { background: #EEF0FC; }
.lp-th-sort { font: inherit; cursor: pointer; color: inherit; text-decoration: none; }
.lp-check { display: inline-flex; padding: 2px; cursor: pointer; }
.lp-menu { position: relative; display: inline-block; }
.lp-menu-list { position: absolute; right: 0; z-index: 20; background: #fff; border: 1px solid #C0C0CA; border-radius: 4px; box-shadow: 0 4px 12px rgba(0,0,0,.12); min-width: 160px; padding: 4px 0; max-height: 360px; overflow-y: auto; }
.lp-menu-list a, .lp-menu-list button, .lp-menu-list label { display: flex; gap: 8px; width: 100%; box-sizing: border-box; padding: 8px 12px; border: 0; background: transparent; text-align: left; font-size: 14px; color: #1C1C38; text-decoration: none; cursor: pointer; }
.lp-menu-list .lp-menu-first-filter { border-top: 1px solid #E0E0E6; }
.lp-menu-list a:hover, .lp-menu-list button:hover, .lp-menu-list label:hover { background: #F0F1F9; }
.lp-selection { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 8px 12px; margin-bottom: 8px; background: #EEF0FC; border-radius: 4px; font-size: 14px; }
.lp-empty { padding: 32px 16px; text-align: center; background: #fff; }
.lp-drawer-backdrop { position: fixed; inset: 0; background: rgba(0,0,0,.25); z-index: 50; }
.lp-drawer { position: fixed; top: 0; right: 0; bottom: 0; width: min(420px, 100vw); background: #fff; z-index: 51; display: flex; flex-direction: column; box-shadow: -4px 0 16px rgba(0,0,0,.15); }
.lp-drawer-body { flex: 1; overflow-y: auto; padding: 16px 20px; }
.lp-drawer-footer { padding: 12px 20px; border-top: 1px solid #E0E0E6; display: flex; gap: 8px; flex-wrap: wrap; }
.lp-not-set { display: flex; align-items: center; gap: 6px; font-size: 13px; margin: -8px 0 16px; }
.lp-card-label, .lp-phone-only { display: none; }
@media (max-width: 600px) {
  .lp-page { max-width: 100vw; overflow-x: hidden; }
  .lp-table, .lp-table tbody, .lp-table tr, .lp-table td { display: block; width: 100%; box-sizing: border-box; }
  /* The head becomes one wrapped line: "Select page" (and so "Select all N matching") and the sort links. */
  .lp-table thead { display: block; }
  .lp-table thead tr { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; padding: 4px 0 10px; }
  .lp-table thead th { display: none; border: 0; padding: 2px 0; font-weight: 400; }
  .lp-table thead th.lp-th-select, .lp-table thead th[aria-sort] { display: block; width: auto !important; }
  .lp-table thead th.lp-phone-only { display: block; color: #6B6B80; font-size: 13px; }
  .lp-table thead th[aria-sort] .lp-th-sort { display: inline-block; padding: 2px 10px; border: 1px solid #C0C0CA; border-radius: 12px; background: #fff; font-size: 13px; }
  .lp-check .lp-phone-only { display: inline; margin-left: 6px; }
  .lp-table tbody tr { position: relative; border: 1px solid #E0E0E6; border-radius: 6px; margin-bottom: 10px; padding: 6px 4px; background: #fff; }
  .lp-table td { border: 0; padding: 4px 8px; display: flex; gap: 8px; overflow-wrap: anywhere; }
  .lp-card-label { display: block; flex: 0 0 40%; color: #6B6B80; font-size: 13px; }
  .lp-table td.lp-cell-select, .lp-table td.lp-cell-actions { display: inline-flex; width: auto; }
  .lp-table td.lp-cell-actions { position: absolute; top: 4px; right: 4px; padding: 0; }
  .lp-toolbar .lp-search { flex-basis: 100%; }
}
`
