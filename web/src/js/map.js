// The map of Chongqing for ECharts, from the district outlines of the
// configuration (served by hotlined at /assets/map/chongqing.geojson;
// attribution in config/chongqing/ATTRIBUTION.md and the page footer).
let loading = null;

/** Registers the map 'chongqing' once; resolves to the GeoJSON. */
export function chongqingMap() {
  if (!loading) {
    loading = fetch('/assets/map/chongqing.geojson', { cache: 'no-cache' })
      .then((r) => { if (!r.ok) throw new Error(`map: HTTP ${r.status}`); return r.json(); })
      .then((geo) => { window.echarts.registerMap('chongqing', geo); return geo; });
  }
  return loading;
}

/** echarts.init on `el`, resized with the window; returns the chart. */
export function chart(el) {
  const c = window.echarts.init(el, null, { renderer: 'canvas' });
  const resize = () => c.resize();
  window.addEventListener('resize', resize);
  c.__hotlineStop = () => { window.removeEventListener('resize', resize); c.dispose(); };
  return c;
}
