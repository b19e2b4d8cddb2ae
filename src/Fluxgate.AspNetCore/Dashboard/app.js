// Fluxgate operator dashboard: a Hystrix-style grid of circuit breakers fed by Server-Sent Events.
//
// Served at {prefix}/ under a strict Content-Security-Policy (script-src 'self', style-src 'self', no inline
// anything), so this file builds every element with createElement/createElementNS and writes server data only
// through textContent and plain attributes: a breaker may be named "<img src=x onerror=...>" and must show as text.
// Every URL is relative to the page, so any prefix works without the page knowing it.
//
// The file has two halves: pure helpers (formatting, ordering, colours; exported for node tests when `module`
// exists) and the browser part, which only runs when there is a document.
(function () {
    'use strict';

    // ---------------------------------------------------------------------------------------------------------
    // Pure helpers: no DOM, no clock of their own (time comes in as arguments), so node can test them.
    // ---------------------------------------------------------------------------------------------------------

    const KNOWN_STATES = ['closed', 'open', 'half_open', 'forced_open', 'disabled', 'metrics_only'];

    const STATE_LABELS = {
        closed: 'closed',
        open: 'open',
        half_open: 'half-open',
        forced_open: 'forced open',
        disabled: 'disabled',
        metrics_only: 'metrics-only',
    };

    const CAUSE_TEXTS = {
        none: 'as created',
        tripper: 'opened by its tripper',
        probe_failed: 'probe failed',
        probe_succeeded: 'probe succeeded',
        retry_elapsed: 'after its wait',
        coordinator: "opened by the fleet's quorum",
        manual: 'manual',
    };

    // The four control actions: URL segment → what the operator reads. The fleet command names
    // (force_open, …) map onto the same labels.
    const ACTIONS = {
        'force-open': { label: 'Force open', what: 'Every call is rejected until someone resets the breaker (or chooses another action).' },
        'disable': { label: 'Disable', what: 'Every call runs and nothing is recorded until someone resets the breaker.' },
        'metrics-only': { label: 'Metrics only', what: 'Every call runs and is recorded, but the circuit never opens until someone resets the breaker.' },
        'reset': { label: 'Reset', what: 'The circuit closes and its window, reopens and failure streak are cleared.' },
    };
    const ACTION_ORDER = ['force-open', 'disable', 'metrics-only', 'reset'];

    const HISTORY_MS = 2 * 60 * 1000;
    const LOG_MAX = 200;

    const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);

    /** The state as a class-name-safe token: server strings never become arbitrary class names. */
    function stateToken(state) {
        return KNOWN_STATES.includes(state) ? state : 'unknown';
    }

    /** "half_open" → "half-open": the words used in counts and sentences (badges keep the wire name). */
    function stateLabel(state) {
        return Object.prototype.hasOwnProperty.call(STATE_LABELS, state) ? STATE_LABELS[state] : String(state);
    }

    /** Why the current state was entered, in words. Unknown causes show their wire name rather than nothing. */
    function causeText(cause) {
        return Object.prototype.hasOwnProperty.call(CAUSE_TEXTS, cause) ? CAUSE_TEXTS[cause] : String(cause);
    }

    /** "force_open" (fleet command) or "force-open" (action) → "Force open". */
    function actionLabel(action) {
        const key = String(action).replace(/_/g, '-');
        return Object.prototype.hasOwnProperty.call(ACTIONS, key) ? ACTIONS[key].label : String(action);
    }

    /**
     * Parses the server's ISO times. .NET's round-trip format writes seven fractional digits, which the ECMAScript
     * date format does not define (engines differ), so the fraction is cut to milliseconds first.
     * Returns milliseconds since the epoch, or NaN.
     */
    function parseTime(text) {
        if (typeof text !== 'string' || text === '') {
            return NaN;
        }
        return Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
    }

    /** 4s · 1m 12s · 2h 5m · 3d 4h. Negative (clock skew) and non-numbers read as 0s. */
    function formatDuration(ms) {
        const total = isNumber(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
        const days = Math.floor(total / 86400);
        const hours = Math.floor((total % 86400) / 3600);
        const minutes = Math.floor((total % 3600) / 60);
        const seconds = total % 60;
        if (days > 0) {
            return `${days}d ${hours}h`;
        }
        if (hours > 0) {
            return `${hours}h ${minutes}m`;
        }
        if (minutes > 0) {
            return `${minutes}m ${seconds}s`;
        }
        return `${seconds}s`;
    }

    /** Drops a trailing ".0" so "2.0" reads "2" while "2.5" stays. */
    function trimZero(text) {
        return text.replace(/\.0$/, '');
    }

    /** Per-second rates: 0 · <0.1 · 2.5 · 37 · 1.2k · 3.4M; "–" when unknown. */
    function formatRate(value) {
        if (!isNumber(value)) {
            return '–';
        }
        const abs = Math.abs(value);
        if (abs === 0) {
            return '0';
        }
        if (abs < 0.1) {
            return '<0.1';
        }
        if (abs < 10) {
            return trimZero(value.toFixed(1));
        }
        if (abs < 1000) {
            return String(Math.round(value));
        }
        if (abs < 1e6) {
            return trimZero((value / 1000).toFixed(1)) + 'k';
        }
        return trimZero((value / 1e6).toFixed(1)) + 'M';
    }

    /** A ratio 0..1 as "57.5%"; "–" when unknown. */
    function formatPercent(ratio) {
        if (!isNumber(ratio)) {
            return '–';
        }
        return trimZero((ratio * 100).toFixed(1)) + '%';
    }

    /** A call duration: "0.4 ms", "12 ms", "1.25 s"; "–" when unknown. */
    function formatMs(ms) {
        if (!isNumber(ms)) {
            return '–';
        }
        if (ms < 1) {
            return `${ms.toFixed(1)} ms`;
        }
        if (ms < 1000) {
            return `${Math.round(ms)} ms`;
        }
        return `${(ms / 1000).toFixed(2)} s`;
    }

    /** The window's failure rate: the server's figure, else failures/total, else null (no calls). */
    function failureRateOf(window) {
        if (!window) {
            return null;
        }
        if (isNumber(window.failureRate)) {
            return window.failureRate;
        }
        if (isNumber(window.total) && window.total > 0 && isNumber(window.failures)) {
            return window.failures / window.total;
        }
        return null;
    }

    /** "23/40 failed (57.5%)", or "no calls in window". */
    function formatWindow(window) {
        if (!window || !isNumber(window.total) || window.total <= 0) {
            return 'no calls in window';
        }
        const failures = isNumber(window.failures) ? window.failures : 0;
        return `${failures}/${window.total} failed (${formatPercent(failureRateOf(window))})`;
    }

    /** The figures a transition's ended period left: "23/40 failed" or "no calls". */
    function formatFigures(total, failures) {
        if (!isNumber(total) || total <= 0) {
            return 'no calls';
        }
        return `${isNumber(failures) ? failures : 0}/${total} failed`;
    }

    // Names sort the way people count: "svc-2" before "svc-10"; case does not matter.
    const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

    // Worst first: open circuits (forced or not), then half-open, then the rest.
    const STATE_GROUP = { forced_open: 0, open: 0, half_open: 1, closed: 2, metrics_only: 2, disabled: 2 };
    // Within a group and an equal failure rate: the order the states are listed in the brief.
    const STATE_SUBRANK = { forced_open: 0, open: 1, half_open: 0, closed: 0, metrics_only: 1, disabled: 2 };

    /** The grid's order: state group, failure rate descending, state, then name. */
    function compareBreakers(a, b) {
        const groupA = STATE_GROUP[a.state] ?? 3;
        const groupB = STATE_GROUP[b.state] ?? 3;
        if (groupA !== groupB) {
            return groupA - groupB;
        }
        const rateA = failureRateOf(a.window) ?? -1;
        const rateB = failureRateOf(b.window) ?? -1;
        if (rateA !== rateB) {
            return rateB - rateA;
        }
        const subA = STATE_SUBRANK[a.state] ?? 9;
        const subB = STATE_SUBRANK[b.state] ?? 9;
        if (subA !== subB) {
            return subA - subB;
        }
        const byName = collator.compare(String(a.name), String(b.name));
        if (byName !== 0) {
            return byName;
        }
        // Names equal but for case: fall back to code units so the order is still total (no jitter).
        return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    }

    function sortBreakers(breakers) {
        return Array.from(breakers).sort(compareBreakers);
    }

    /** The failure-rate threshold in the policy text ("… & FailureRate(0.5); …"), or null if it has none. */
    function failureRateThreshold(policy) {
        const match = /FailureRate\(\s*(\d*\.?\d+(?:[eE][-+]?\d+)?)\s*\)/.exec(String(policy ?? ''));
        if (!match) {
            return null;
        }
        const value = Number(match[1]);
        return value > 0 && value <= 1 ? value : null;
    }

    /**
     * The health circle's colour, in the Hystrix tradition (green, yellow, orange, red), measured against the
     * breaker's own failure-rate threshold when its policy has one (0.5 otherwise): 10% failures is alarming for a
     * breaker that trips at 10%, and noise for one that trips at 90%.
     * Returns ok | warn | hot | bad | idle (no calls) | off (disabled).
     */
    function healthLevel(breaker) {
        switch (breaker.state) {
            case 'open':
            case 'forced_open':
                return 'bad';
            case 'half_open':
                return 'warn';
            case 'disabled':
                return 'off';
            default:
                break;
        }
        const rate = failureRateOf(breaker.window);
        if (rate === null) {
            return 'idle';
        }
        const threshold = failureRateThreshold(breaker.policy) ?? 0.5;
        if (rate >= threshold) {
            return 'bad';
        }
        if (rate >= threshold * 0.6) {
            return 'hot';
        }
        if (rate >= threshold * 0.2) {
            return 'warn';
        }
        return 'ok';
    }

    const HEALTH_TEXTS = {
        ok: 'healthy',
        warn: 'some failures',
        hot: 'many failures',
        bad: 'failing',
        idle: 'no calls',
        off: 'not tracked',
    };

    function healthText(level) {
        return HEALTH_TEXTS[level] ?? String(level);
    }

    const CIRCLE_MIN = 6;
    const CIRCLE_MAX = 26;

    /** The circle's radius (SVG units, in a 60×60 box): grows with the log of traffic so 1 and 10,000 calls/s both fit. */
    function circleRadius(callsPerSecond) {
        const cps = isNumber(callsPerSecond) && callsPerSecond > 0 ? callsPerSecond : 0;
        const radius = CIRCLE_MIN + 5 * Math.log10(1 + cps);
        return Math.min(CIRCLE_MAX, Math.max(CIRCLE_MIN, Math.round(radius * 10) / 10));
    }

    /** Appends a sample ({t, calls, failures, rejected}) and drops those older than keepMs before it. Mutates. */
    function pushSample(history, sample, keepMs = HISTORY_MS) {
        // A sample from before the last one (client clock stepped back) restarts the line rather than zig-zag.
        if (history.length > 0 && sample.t < history[history.length - 1].t) {
            history.length = 0;
        }
        history.push(sample);
        const oldest = sample.t - keepMs;
        let drop = 0;
        while (drop < history.length && history[drop].t < oldest) {
            drop++;
        }
        if (drop > 0) {
            history.splice(0, drop);
        }
        return history;
    }

    /** The sparkline's top: the highest calls/s (or failures/s) in the history, at least 1. */
    function sparkMax(history) {
        let max = 1;
        for (const sample of history) {
            if (isNumber(sample.calls) && sample.calls > max) {
                max = sample.calls;
            }
            if (isNumber(sample.failures) && sample.failures > max) {
                max = sample.failures;
            }
        }
        return max;
    }

    /**
     * The "x,y x,y …" of a polyline for one field of the history, on a time axis whose right edge is `now` and
     * which spans spanMs, in a width×height box (y grows downwards; a 1-unit margin keeps the stroke inside).
     */
    function sparklinePoints(history, key, now, spanMs, width, height, maxY) {
        const points = [];
        const top = maxY > 0 ? maxY : 1;
        for (const sample of history) {
            const value = isNumber(sample[key]) && sample[key] > 0 ? sample[key] : 0;
            const x = width * (1 - (now - sample.t) / spanMs);
            if (x < 0) {
                continue;
            }
            const y = height - 1 - (Math.min(value, top) / top) * (height - 2);
            points.push(`${Math.min(width, x).toFixed(1)},${y.toFixed(1)}`);
        }
        return points.join(' ');
    }

    const COUNT_ORDER = ['open', 'forced_open', 'half_open', 'closed', 'metrics_only', 'disabled'];

    /** "2 open · 1 half-open · 14 closed" (states with no breaker are left out). */
    function summarizeCounts(breakers) {
        const counts = new Map();
        for (const breaker of breakers) {
            counts.set(breaker.state, (counts.get(breaker.state) ?? 0) + 1);
        }
        const parts = [];
        for (const state of COUNT_ORDER) {
            if (counts.has(state)) {
                parts.push(`${counts.get(state)} ${stateLabel(state)}`);
                counts.delete(state);
            }
        }
        for (const [state, count] of counts) {
            parts.push(`${count} ${stateLabel(state)}`);
        }
        return parts.length > 0 ? parts.join(' · ') : 'no breakers';
    }

    /** Case-insensitive substring match; an empty filter matches everything. */
    function matchesFilter(name, filter) {
        const needle = String(filter ?? '').trim().toLowerCase();
        return needle === '' || String(name).toLowerCase().includes(needle);
    }

    /** The control endpoint, relative to the page: api/breakers/{name}/{action}[?scope=fleet]. */
    function actionUrl(name, action, fleetWide) {
        return `api/breakers/${encodeURIComponent(name)}/${encodeURIComponent(action)}${fleetWide ? '?scope=fleet' : ''}`;
    }

    const pad2 = (n) => String(n).padStart(2, '0');

    /** Local "10:00:00", with the date in front ("2026-12-04 10:00:00") when it is not the same day as `now`. */
    function formatClock(ms, now) {
        if (!isNumber(ms)) {
            return '–';
        }
        const date = new Date(ms);
        const time = `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
        const today = new Date(now);
        if (date.getFullYear() === today.getFullYear() && date.getMonth() === today.getMonth() && date.getDate() === today.getDate()) {
            return time;
        }
        return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${time}`;
    }

    /**
     * "probe in 4s" while an open breaker waits: retryAfterMs was the wait when the figure arrived (receivedAt,
     * client clock), so the countdown needs no agreement between the two clocks. "probe due" once it has passed
     * (the next call will be let through). Empty when there is no wait.
     */
    function retryText(retryAfterMs, receivedAt, now) {
        if (!isNumber(retryAfterMs)) {
            return '';
        }
        const left = retryAfterMs - (now - receivedAt);
        return left > 0 ? `probe in ${formatDuration(Math.ceil(left / 1000) * 1000)}` : 'probe due';
    }

    /** "open for 1m 12s": `since` is the server's clock, so `serverNow` is the client's clock corrected by the offset. */
    function elapsedText(state, sinceMs, serverNow) {
        if (!isNumber(sinceMs)) {
            return stateLabel(state);
        }
        return `${stateLabel(state)} for ${formatDuration(serverNow - sinceMs)}`;
    }

    /** "1/3 open on own evidence (quorum 2)". */
    function fleetSummary(fleet) {
        const own = isNumber(fleet.openedOnOwnEvidence) ? fleet.openedOnOwnEvidence : 0;
        const live = isNumber(fleet.liveReplicas) ? fleet.liveReplicas : 0;
        const quorum = isNumber(fleet.quorum) ? fleet.quorum : '?';
        return `${own}/${live} open on own evidence (quorum ${quorum})`;
    }

    /** A replica mark's tooltip: "web-1: open (opened by its tripper), 23/40 failed, own evidence". */
    function replicaTitle(replica, now) {
        const parts = [`${replica.replicaId}: ${stateLabel(replica.state)}`];
        if (replica.cause && replica.cause !== 'none') {
            parts[0] += ` (${causeText(replica.cause)})`;
        }
        const since = parseTime(replica.since);
        if (isNumber(since)) {
            parts.push(`since ${formatClock(since, now)}`);
        }
        parts.push(formatFigures(replica.total, replica.failures));
        if (replica.openedOnOwnEvidence) {
            parts.push('open on own evidence');
        }
        if (replica.isLive === false) {
            parts.push('not live');
        }
        if (replica.policy) {
            parts.push(`policy ${replica.policy}`);
        }
        return parts.join(', ');
    }

    /** "Force open by ops at 10:00:00". */
    function lastCommandText(command, now) {
        if (!command) {
            return '';
        }
        const by = command.issuedBy ? ` by ${command.issuedBy}` : '';
        return `${actionLabel(command.command)}${by} at ${formatClock(parseTime(command.issuedAt), now)}`;
    }

    /** The transitions log's entries: a key to drop duplicates (snapshots repeat what the log holds) and a time. */
    function transitionEntry(name, transition) {
        return {
            kind: 'transition',
            key: `t\u0000${name}\u0000${transition.sequence}\u0000${transition.at}`,
            atMs: parseTime(transition.at),
            name,
            data: transition,
        };
    }

    function auditEntry(audit) {
        return {
            kind: 'audit',
            key: ['a', audit.at, audit.user, audit.action, audit.name, audit.scope, audit.result].join('\u0000'),
            atMs: parseTime(audit.at),
            name: audit.name,
            data: audit,
        };
    }

    function compareEntries(a, b) {
        const atA = isNumber(a.atMs) ? a.atMs : -Infinity;
        const atB = isNumber(b.atMs) ? b.atMs : -Infinity;
        if (atA !== atB) {
            return atB - atA;
        }
        const seqA = a.kind === 'transition' && isNumber(a.data.sequence) ? a.data.sequence : -1;
        const seqB = b.kind === 'transition' && isNumber(b.data.sequence) ? b.data.sequence : -1;
        return seqB - seqA;
    }

    /** Merges entries into the log (newest first), dropping ones already there, keeping the newest `max`. Returns a new array. */
    function mergeLog(log, entries, max = LOG_MAX) {
        const seen = new Set(log.map((entry) => entry.key));
        const merged = log.slice();
        for (const entry of entries) {
            if (!seen.has(entry.key)) {
                seen.add(entry.key);
                merged.push(entry);
            }
        }
        // Array.prototype.sort is stable, so entries with equal times keep their arrival order.
        merged.sort(compareEntries);
        return merged.length > max ? merged.slice(0, max) : merged;
    }

    /** "200 OK", "409 Conflict: the breaker is not in a fleet", from a control response. */
    function describeResponse(status, statusText, bodyText) {
        let text = String(status);
        if (statusText) {
            text += ` ${statusText}`;
        }
        let message = '';
        const body = String(bodyText ?? '').trim();
        if (body !== '') {
            try {
                const parsed = JSON.parse(body);
                if (parsed && typeof parsed.error === 'string') {
                    message = parsed.error;
                }
            } catch {
                // Not JSON (a proxy's or the framework's error page): show it only when it is short plain text.
                if ((status < 200 || status >= 300) && body.length <= 200 && !body.startsWith('<')) {
                    message = body;
                }
            }
        }
        return message ? `${text}: ${message}` : text;
    }

    /** Whether a figure with this `since` may replace the state of one with `currentSince`: never go back in time. */
    function isCurrent(since, currentSince) {
        const a = parseTime(since);
        const b = parseTime(currentSince);
        return !isNumber(b) || !isNumber(a) || a >= b;
    }

    const helpers = {
        KNOWN_STATES, ACTIONS, ACTION_ORDER, HISTORY_MS, LOG_MAX,
        stateToken, stateLabel, causeText, actionLabel, parseTime,
        formatDuration, formatRate, formatPercent, formatMs, failureRateOf, formatWindow, formatFigures,
        compareBreakers, sortBreakers, failureRateThreshold, healthLevel, healthText, circleRadius,
        pushSample, sparkMax, sparklinePoints, summarizeCounts, matchesFilter, actionUrl, formatClock,
        retryText, elapsedText, fleetSummary, replicaTitle, lastCommandText,
        transitionEntry, auditEntry, mergeLog, describeResponse, isCurrent,
    };

    if (typeof module === 'object' && module && module.exports) {
        module.exports = helpers;
    }
    if (typeof document === 'undefined') {
        return;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Browser: model, rendering, the event stream and control.
    // ---------------------------------------------------------------------------------------------------------

    const SVG_NS = 'http://www.w3.org/2000/svg';
    const SPARK_WIDTH = 120;
    const SPARK_HEIGHT = 32;
    // Metrics come every second and heartbeats every 15 s: this much silence means a connection that died
    // without an error (a proxy holding a dead socket), which EventSource itself never notices.
    const STALL_MS = 45 * 1000;

    // The page's fixed elements and whether control is allowed, read in start() once the document is parsed.
    let els = null;
    let pageControl = false;

    function findElements() {
        const $ = (id) => document.getElementById(id);
        return {
            connection: $('connection'),
            banner: $('banner'),
            filter: $('filter'),
            counts: $('counts'),
            shown: $('shown'),
            actionStatus: $('action-status'),
            grid: $('grid'),
            empty: $('empty'),
            log: $('log'),
            logEmpty: $('log-empty'),
            dialog: $('confirm'),
            form: $('confirm-form'),
            dialogTitle: $('confirm-title'),
            dialogWhat: $('confirm-what'),
            reason: $('confirm-reason'),
            reasonCount: $('confirm-reason-count'),
            scopeBox: $('confirm-scope'),
            scope: $('confirm-scope-fleet'),
            scopeText: $('confirm-scope-text'),
            cancel: $('confirm-cancel'),
        };
    }

    const model = {
        control: false,
        breakers: new Map(), // name → breaker as sent, plus receivedAt (client ms when its retryAfterMs arrived)
        history: new Map(), // name → [{t, calls, failures, rejected}], client ms, the last two minutes
        log: [], // entries (see transitionEntry/auditEntry), newest first
        loaded: false, // a snapshot has arrived at least once
        connection: 'connecting',
        clockOffset: 0, // server clock minus client clock, from the last `at` the server sent
        lastEventAt: Date.now(),
    };

    const views = new Map(); // name → card view (elements to update in place)
    let logDirty = false;
    let cardIds = 0;

    // ---- small DOM helpers ----

    function el(tag, className, text) {
        const node = document.createElement(tag);
        if (className) {
            node.className = className;
        }
        if (text !== undefined) {
            node.textContent = text;
        }
        return node;
    }

    function svg(tag, attributes) {
        const node = document.createElementNS(SVG_NS, tag);
        for (const [key, value] of Object.entries(attributes ?? {})) {
            node.setAttribute(key, String(value));
        }
        return node;
    }

    /** Writes text only when it changed: keeps text nodes (and screen-reader positions) stable across updates. */
    function setText(node, text) {
        const value = String(text);
        if (node.textContent !== value) {
            node.textContent = value;
        }
    }

    function setAttr(node, name, value) {
        const text = String(value);
        if (node.getAttribute(name) !== text) {
            node.setAttribute(name, text);
        }
    }

    const serverNow = () => Date.now() + model.clockOffset;

    function noteServerTime(at) {
        const ms = parseTime(at);
        if (isNumber(ms)) {
            model.clockOffset = ms - Date.now();
        }
    }

    // ---- the card ----

    function createCard(name) {
        const id = `breaker-${++cardIds}`;
        const root = el('article', 'breaker');
        root.dataset.name = name;
        root.setAttribute('aria-labelledby', `${id}-name`);

        const head = el('header', 'breaker-head');
        const title = el('h3', 'breaker-name', name);
        title.id = `${id}-name`;
        title.title = name;
        const badge = el('span', 'badge');
        badge.dataset.field = 'state';
        head.append(title, badge);

        const charts = el('div', 'breaker-charts');
        const circleSvg = svg('svg', { class: 'health', viewBox: '0 0 60 60', role: 'img', focusable: 'false' });
        const circle = svg('circle', { cx: 30, cy: 30, r: CIRCLE_MIN });
        circleSvg.append(circle);
        const sparkSvg = svg('svg', {
            class: 'spark',
            viewBox: `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`,
            preserveAspectRatio: 'none',
            role: 'img',
            focusable: 'false',
        });
        const baseline = svg('line', { class: 'spark-base', x1: 0, y1: SPARK_HEIGHT - 0.5, x2: SPARK_WIDTH, y2: SPARK_HEIGHT - 0.5 });
        const sparkCalls = svg('polyline', { class: 'spark-calls', points: '' });
        const sparkFailures = svg('polyline', { class: 'spark-failures', points: '' });
        sparkSvg.append(baseline, sparkCalls, sparkFailures);
        charts.append(circleSvg, sparkSvg);

        const figures = el('dl', 'figures');
        const figure = (label, field, className) => {
            const group = el('div', className);
            const value = el('dd', null, '–');
            value.dataset.field = field;
            group.append(el('dt', null, label), value);
            figures.append(group);
            return value;
        };
        const calls = figure('calls/s', 'calls', 'figure-calls');
        const failures = figure('failures/s', 'failures', 'figure-failures');
        const rejected = figure('rejected/s', 'rejected', 'figure-rejected');

        const line = (field, className) => {
            const node = el('p', className);
            node.dataset.field = field;
            return node;
        };
        const windowLine = line('window', 'line window');
        const period = el('p', 'line period');
        const elapsed = el('span');
        elapsed.dataset.field = 'elapsed';
        const cause = el('span', 'cause');
        cause.dataset.field = 'cause';
        period.append(elapsed, document.createTextNode(' · '), cause);
        const retry = line('retry', 'line retry');
        const streak = line('streak', 'line streak');

        const fleet = el('div', 'fleet');
        fleet.dataset.field = 'fleet';
        fleet.hidden = true;

        const policyBox = el('details', 'policy');
        const policySummary = el('summary', null, 'policy');
        const policy = el('code');
        policy.dataset.field = 'policy';
        policyBox.append(policySummary, policy);

        root.append(head, charts, figures, windowLine, period, retry, streak, fleet, policyBox);

        return {
            root, badge, circleSvg, circle, sparkSvg, sparkCalls, sparkFailures,
            calls, failures, rejected, window: windowLine, elapsed, cause, retry, streak, fleet, policyBox, policy,
            actions: null, fleetKey: null,
        };
    }

    function createActions(name) {
        const group = el('div', 'actions');
        group.setAttribute('role', 'group');
        group.setAttribute('aria-label', `Actions for ${name}`);
        for (const action of ACTION_ORDER) {
            const button = el('button', `action action-${action}`, ACTIONS[action].label);
            button.type = 'button';
            button.dataset.action = action;
            // The visible label plus the name, so a screen-reader list of buttons says which breaker each acts on.
            button.setAttribute('aria-label', `${ACTIONS[action].label} ${name}`);
            group.append(button);
        }
        return group;
    }

    /** The per-second parts of a card: time in state and the retry countdown. */
    function updateClock(view, breaker, now) {
        setText(view.elapsed, elapsedText(breaker.state, parseTime(breaker.since), serverNow()));
        const retry = breaker.state === 'open' ? retryText(breaker.retryAfterMs, breaker.receivedAt, now) : '';
        setText(view.retry, retry);
        view.retry.hidden = retry === '';
    }

    function updateCard(view, breaker, now) {
        const state = stateToken(breaker.state);
        const rate = failureRateOf(breaker.window);
        const level = healthLevel(breaker);

        if (view.root.dataset.state !== state) {
            view.root.dataset.state = state;
            view.root.className = `breaker state-${state}`;
            view.badge.className = `badge state-${state}`;
        }
        setText(view.badge, breaker.state);
        setAttr(view.badge, 'title', `state: ${stateLabel(breaker.state)}`);

        setAttr(view.circle, 'r', circleRadius(breaker.callsPerSecond));
        setAttr(view.circle, 'class', `health-${level}`);
        setAttr(view.circleSvg, 'aria-label', `${healthText(level)}, ${formatRate(breaker.callsPerSecond)} calls per second`);
        view.root.dataset.health = level;

        const history = model.history.get(breaker.name) ?? [];
        const top = sparkMax(history);
        setAttr(view.sparkCalls, 'points', sparklinePoints(history, 'calls', now, HISTORY_MS, SPARK_WIDTH, SPARK_HEIGHT, top));
        setAttr(view.sparkFailures, 'points', sparklinePoints(history, 'failures', now, HISTORY_MS, SPARK_WIDTH, SPARK_HEIGHT, top));
        setAttr(view.sparkSvg, 'aria-label', `calls and failures per second over the last 2 minutes, peak ${formatRate(top)}`);

        setText(view.calls, formatRate(breaker.callsPerSecond));
        setText(view.failures, formatRate(breaker.failuresPerSecond));
        setText(view.rejected, formatRate(breaker.rejectedPerSecond));
        // A rate the server does not know (a full count window; rejections are not counted) is left out, not shown as 0.
        view.calls.parentElement.hidden = !isNumber(breaker.callsPerSecond);
        view.failures.parentElement.hidden = !isNumber(breaker.failuresPerSecond);
        view.rejected.parentElement.hidden = !isNumber(breaker.rejectedPerSecond);
        view.failures.classList.toggle('nonzero', isNumber(breaker.failuresPerSecond) && breaker.failuresPerSecond > 0);
        view.rejected.classList.toggle('nonzero', isNumber(breaker.rejectedPerSecond) && breaker.rejectedPerSecond > 0);

        // A breaker that does not time its calls says so, rather than leaving the average out as if it had none to give.
        const avg = !breaker.window ? ''
            : isNumber(breaker.window.avgDurationMs) ? ` · avg ${formatMs(breaker.window.avgDurationMs)}`
            : breaker.window.durationsMeasured === false && breaker.window.total > 0 ? ' · durations not measured' : '';
        setText(view.window, formatWindow(breaker.window) + avg);
        view.window.classList.toggle('failing', rate !== null && rate > 0);

        setText(view.cause, causeText(breaker.cause));
        updateClock(view, breaker, now);

        const streakParts = [];
        if (isNumber(breaker.reopens) && breaker.reopens > 0) {
            streakParts.push(`reopened ${breaker.reopens}×`);
        }
        if (isNumber(breaker.consecutiveFailures) && breaker.consecutiveFailures > 0) {
            streakParts.push(`${breaker.consecutiveFailures} failures in a row`);
        }
        setText(view.streak, streakParts.join(' · '));
        view.streak.hidden = streakParts.length === 0;

        // One part per line reads far better than one long line of "; ".
        const policy = String(breaker.policy ?? '');
        setText(view.policy, policy.split(/;\s*/).join(';\n'));
        view.policyBox.hidden = policy === '';

        updateFleet(view, breaker.fleet ?? null, now);

        if (model.control && !view.actions) {
            view.actions = createActions(breaker.name);
            view.root.append(view.actions);
        } else if (!model.control && view.actions) {
            view.actions.remove();
            view.actions = null;
        }
    }

    function updateFleet(view, fleet, now) {
        // Fleets change seldom and their markup is small: rebuild when the data changed, not every second.
        const key = fleet ? JSON.stringify(fleet) : null;
        if (key === view.fleetKey) {
            return;
        }
        view.fleetKey = key;
        view.fleet.replaceChildren();
        view.fleet.hidden = !fleet;
        if (!fleet) {
            return;
        }

        const summary = el('p', 'line fleet-summary');
        summary.append(el('span', 'fleet-app', `fleet ${fleet.application ?? ''}`.trim()), document.createTextNode(' · '));
        const quorum = el('span', null, fleetSummary(fleet));
        quorum.dataset.field = 'quorum';
        summary.append(quorum);
        view.fleet.append(summary);

        const replicas = Array.isArray(fleet.replicas) ? fleet.replicas : [];
        if (replicas.length > 0) {
            const list = el('ul', 'replicas');
            list.setAttribute('aria-label', 'replicas');
            for (const replica of replicas) {
                const live = replica.isLive !== false;
                const mark = el('li', `replica state-${stateToken(replica.state)}${live ? '' : ' replica-dead'}${replica.openedOnOwnEvidence ? ' replica-own' : ''}`);
                mark.dataset.replica = String(replica.replicaId);
                mark.dataset.state = String(replica.state);
                mark.dataset.live = String(live);
                const title = replicaTitle(replica, now);
                mark.title = title;
                mark.append(el('span', 'sr-only', title));
                list.append(mark);
            }
            view.fleet.append(list);
        }

        if (fleet.policiesDiffer) {
            const warning = el('p', 'line fleet-warning', '⚠ policies differ between replicas');
            warning.dataset.field = 'policies-differ';
            view.fleet.append(warning);
        }

        if (fleet.lastCommand) {
            const command = el('p', 'line fleet-command', `last fleet command: ${lastCommandText(fleet.lastCommand, now)}`);
            command.dataset.field = 'last-command';
            view.fleet.append(command);
        }
    }

    // ---- the grid ----

    /**
     * Whether to hold the order still: a keyboard user inside a card would otherwise have the card (and their
     * place) jump away each second. Only keyboard focus (:focus-visible) holds it, so the focus a mouse click or
     * a closing dialog leaves on a button does not freeze the order indefinitely.
     */
    function holdOrder() {
        const active = document.activeElement;
        if (!active || active === els.grid || !els.grid.contains(active)) {
            return false;
        }
        try {
            return active.matches(':focus-visible');
        } catch {
            return true;
        }
    }

    function orderCards(sorted) {
        const nodes = sorted.map((breaker) => views.get(breaker.name).root);
        if (holdOrder()) {
            // Keep everything in place; a new card goes at the end until the order may change again.
            for (const node of nodes) {
                if (node.parentNode !== els.grid) {
                    els.grid.append(node);
                }
            }
            return;
        }
        const active = document.activeElement;
        let cursor = els.grid.firstElementChild;
        for (const node of nodes) {
            if (node === cursor) {
                cursor = cursor.nextElementSibling;
                continue;
            }
            // moveBefore keeps focus where supported; insertBefore drops it, so it is put back below.
            if (typeof els.grid.moveBefore === 'function' && node.parentNode === els.grid) {
                els.grid.moveBefore(node, cursor);
            } else {
                els.grid.insertBefore(node, cursor);
            }
        }
        if (active && active !== document.activeElement && document.contains(active)) {
            active.focus({ preventScroll: true });
        }
    }

    function applyFilter() {
        const filter = els.filter.value;
        let shown = 0;
        for (const [name, view] of views) {
            const match = matchesFilter(name, filter);
            if (view.root.hidden === match) {
                view.root.hidden = !match;
            }
            if (match) {
                shown++;
            }
        }
        return shown;
    }

    function render() {
        const now = Date.now();
        for (const [name, breaker] of model.breakers) {
            let view = views.get(name);
            if (!view) {
                view = createCard(name);
                views.set(name, view);
            }
            updateCard(view, breaker, now);
        }
        for (const [name, view] of views) {
            if (!model.breakers.has(name)) {
                // Focus inside a card that goes would fall to <body>; keep it near where it was.
                const hadFocus = view.root.contains(document.activeElement);
                view.root.remove();
                views.delete(name);
                if (hadFocus) {
                    els.grid.focus({ preventScroll: true });
                }
            }
        }
        orderCards(sortBreakers(model.breakers.values()));

        const shown = applyFilter();
        const total = model.breakers.size;
        setText(els.counts, total > 0 ? summarizeCounts(model.breakers.values()) : '');
        const filtered = els.filter.value.trim() !== '';
        setText(els.shown, filtered ? `showing ${shown} of ${total}` : '');
        els.shown.hidden = !filtered;

        let empty = '';
        if (!model.loaded) {
            empty = 'Connecting…';
        } else if (total === 0) {
            empty = 'No circuit breakers yet';
        } else if (shown === 0) {
            empty = `No breaker name contains “${els.filter.value.trim()}”`;
        }
        setText(els.empty, empty);
        els.empty.hidden = empty === '';

        if (logDirty) {
            renderLog(now);
            logDirty = false;
        }
    }

    // Events come one task each; coalesce them into one render per frame. The timeout covers hidden tabs, where
    // animation frames stop but the page should still be current when it comes back.
    let renderQueued = false;
    function scheduleRender() {
        if (renderQueued) {
            return;
        }
        renderQueued = true;
        const run = () => {
            if (renderQueued) {
                renderQueued = false;
                render();
            }
        };
        requestAnimationFrame(run);
        setTimeout(run, 250);
    }

    // ---- the transitions log ----

    function renderLogEntry(entry, now) {
        const item = el('li', `log-entry log-${entry.kind}`);
        const time = el('time', 'log-time', formatClock(entry.atMs, now));
        time.dateTime = isNumber(entry.atMs) ? new Date(entry.atMs).toISOString() : '';
        time.title = String(entry.data.at ?? '');
        item.append(time);
        // data-breaker, not data-name: [data-name] selects cards only.
        item.dataset.breaker = String(entry.name ?? '');

        if (entry.kind === 'transition') {
            const t = entry.data;
            item.classList.add(`to-${stateToken(t.to)}`);
            const change = el('span', 'log-change');
            change.append(
                el('span', `log-state state-${stateToken(t.from)}`, String(t.from)),
                document.createTextNode(' → '),
                el('span', `log-state state-${stateToken(t.to)}`, String(t.to)),
            );
            const missed = isNumber(t.missedBefore) && t.missedBefore > 0
                ? ` · ${t.missedBefore} earlier transition${t.missedBefore === 1 ? '' : 's'} not shown`
                : '';
            item.append(
                el('span', 'log-name', String(entry.name)),
                change,
                el('span', 'log-cause', causeText(t.cause)),
                el('span', 'log-figures', formatFigures(t.total, t.failures) + missed),
            );
        } else {
            const a = entry.data;
            const ok = a.result === 'ok';
            item.classList.add(ok ? 'result-ok' : 'result-error');
            const scope = a.scope === 'fleet' ? ' (fleet-wide)' : '';
            const change = el('span', 'log-change');
            change.append(el('span', 'log-tag', 'control'), document.createTextNode(` ${actionLabel(a.action)}${scope}`));
            item.append(
                el('span', 'log-name', String(a.name ?? '')),
                change,
                el('span', 'log-cause', `by ${a.user ?? 'unknown'}${a.reason ? ` — “${a.reason}”` : ''}`),
                el('span', 'log-figures', String(a.result ?? '')),
            );
        }
        return item;
    }

    function renderLog(now) {
        const items = model.log.map((entry) => {
            if (!entry.element) {
                entry.element = renderLogEntry(entry, now);
            }
            return entry.element;
        });
        els.log.replaceChildren(...items);
        els.logEmpty.hidden = items.length > 0;
    }

    function addToLog(entries) {
        if (entries.length === 0) {
            return;
        }
        model.log = mergeLog(model.log, entries);
        logDirty = true;
    }

    // ---- the event stream ----

    function setConnection(state) {
        if (model.connection === state) {
            return;
        }
        model.connection = state;
        document.body.dataset.connection = state;
        els.connection.dataset.state = state;
        const texts = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' };
        setText(els.connection, texts[state] ?? state);
        els.banner.hidden = state !== 'reconnecting';
    }

    function withHistory(breaker, now) {
        if (!isNumber(breaker.callsPerSecond)) {
            return; // no rate known: a gap, not a zero
        }
        const history = model.history.get(breaker.name) ?? [];
        pushSample(history, {
            t: now,
            calls: breaker.callsPerSecond,
            failures: breaker.failuresPerSecond,
            rejected: breaker.rejectedPerSecond,
        });
        model.history.set(breaker.name, history);
    }

    function isBreaker(value) {
        return value && typeof value === 'object' && typeof value.name === 'string';
    }

    /** The server sends the open circuit's wait in seconds (`retryAfter`, null when unknown); the page counts in ms. */
    function retryMsOf(figures) {
        return isNumber(figures.retryAfter) ? figures.retryAfter * 1000 : null;
    }

    const handlers = {
        snapshot(data) {
            const now = Date.now();
            model.control = pageControl && data.control !== false;
            const next = new Map();
            const entries = [];
            for (const breaker of Array.isArray(data.breakers) ? data.breakers : []) {
                if (!isBreaker(breaker)) {
                    continue;
                }
                next.set(breaker.name, { ...breaker, retryAfterMs: retryMsOf(breaker), receivedAt: now });
                withHistory(breaker, now);
                for (const transition of Array.isArray(breaker.transitions) ? breaker.transitions : []) {
                    entries.push(transitionEntry(breaker.name, transition));
                }
            }
            // Sparkline history outlives a reconnection, but only for breakers that still exist.
            for (const name of model.history.keys()) {
                if (!next.has(name)) {
                    model.history.delete(name);
                }
            }
            model.breakers = next;
            for (const audit of Array.isArray(data.audit) ? data.audit : []) {
                if (audit && typeof audit === 'object') {
                    entries.push(auditEntry(audit));
                }
            }
            // The log is history, not state: merge rather than replace, so a reconnection keeps what was seen.
            addToLog(entries);
            model.loaded = true;
            setConnection('live');
        },

        transition(data) {
            if (typeof data.name !== 'string') {
                return;
            }
            addToLog([transitionEntry(data.name, data)]);
            const breaker = model.breakers.get(data.name);
            // A transition the snapshot already included must not take the state back.
            if (!breaker || (isNumber(breaker.sequence) && isNumber(data.sequence) && data.sequence <= breaker.sequence)) {
                return;
            }
            breaker.state = data.to;
            breaker.since = data.at;
            breaker.cause = data.cause;
            breaker.sequence = data.sequence;
            // The wait of a new open period is unknown until the next metrics (within a second).
            breaker.retryAfterMs = null;
            const { name: _name, ...transition } = data;
            breaker.transitions = [...(Array.isArray(breaker.transitions) ? breaker.transitions : []), transition].slice(-10);
        },

        metrics(data) {
            noteServerTime(data.at);
            // A stream that resumed (Last-Event-ID) gets what it missed and then every breaker's figures, no snapshot:
            // from here on the page is current again.
            if (model.loaded) {
                setConnection('live');
            }
            const now = Date.now();
            for (const figures of Array.isArray(data.breakers) ? data.breakers : []) {
                if (!isBreaker(figures)) {
                    continue;
                }
                const breaker = model.breakers.get(figures.name);
                if (!breaker) {
                    // Breakers come from snapshots and `added`; figures sampled just before a `removed` must not
                    // bring a card back that nothing would ever take away.
                    continue;
                }
                breaker.window = figures.window;
                breaker.callsPerSecond = figures.callsPerSecond;
                breaker.failuresPerSecond = figures.failuresPerSecond;
                breaker.rejectedPerSecond = figures.rejectedPerSecond;
                // Figures sampled before a transition this page already applied must not take the state back.
                if (isCurrent(figures.since, breaker.since)) {
                    breaker.state = figures.state;
                    breaker.since = figures.since;
                    breaker.cause = figures.cause;
                    breaker.retryAfterMs = retryMsOf(figures);
                    breaker.receivedAt = now;
                    if (isNumber(figures.sequence) && (!isNumber(breaker.sequence) || figures.sequence >= breaker.sequence)) {
                        breaker.sequence = figures.sequence;
                    }
                    breaker.reopens = figures.reopens;
                    breaker.consecutiveFailures = figures.consecutiveFailures;
                }
                withHistory(figures, now);
            }
        },

        added(data) {
            if (!isBreaker(data)) {
                return;
            }
            const now = Date.now();
            model.breakers.set(data.name, { ...data, retryAfterMs: retryMsOf(data), receivedAt: now });
            withHistory(data, now);
            addToLog((Array.isArray(data.transitions) ? data.transitions : []).map((t) => transitionEntry(data.name, t)));
        },

        removed(data) {
            if (typeof data.name === 'string') {
                model.breakers.delete(data.name);
                model.history.delete(data.name);
            }
        },

        fleet(data) {
            const breaker = typeof data.name === 'string' ? model.breakers.get(data.name) : undefined;
            if (breaker) {
                breaker.fleet = data.fleet ?? null;
            }
        },

        control(data) {
            if (data && typeof data === 'object') {
                addToLog([auditEntry(data)]);
            }
        },

        heartbeat(data) {
            noteServerTime(data.at);
        },
    };

    let source = null;
    let retryDelay = 0;
    let retryTimer = 0;

    function connect() {
        clearTimeout(retryTimer);
        if (source) {
            source.close();
        }
        model.lastEventAt = Date.now();
        const current = new EventSource('api/events');
        source = current;
        for (const [type, handle] of Object.entries(handlers)) {
            current.addEventListener(type, (event) => {
                if (current !== source) {
                    return;
                }
                model.lastEventAt = Date.now();
                let data;
                try {
                    data = JSON.parse(event.data);
                } catch (error) {
                    console.warn(`Fluxgate dashboard: ignored a ${type} event that is not JSON`, error);
                    return;
                }
                if (!data || typeof data !== 'object') {
                    return;
                }
                if (type === 'snapshot' || type === 'metrics') {
                    retryDelay = 0;
                }
                handle(data);
                scheduleRender();
            });
        }
        current.onerror = () => {
            if (current !== source) {
                return;
            }
            // Stale until the stream is current again: a snapshot, or the figures that end a resume.
            setConnection('reconnecting');
            // EventSource retries by itself unless the server answered with an error status or a wrong
            // content type; then it gives up (CLOSED) and the page must try again, backing off.
            if (current.readyState === EventSource.CLOSED) {
                retryDelay = Math.min(30000, retryDelay > 0 ? retryDelay * 2 : 2000);
                retryTimer = setTimeout(connect, retryDelay);
            }
        };
    }

    // Once a second: time in state and countdowns move locally, and a silent stream is noticed.
    function tick() {
        const now = Date.now();
        for (const [name, view] of views) {
            const breaker = model.breakers.get(name);
            if (breaker) {
                updateClock(view, breaker, now);
            }
        }
        if (model.connection === 'live' && now - model.lastEventAt > STALL_MS) {
            setConnection('reconnecting');
            connect();
        }
    }

    // ---- control ----

    let pending = null; // { name, action, trigger } while the dialog is open

    function showResult(kind, text) {
        els.actionStatus.dataset.result = kind;
        // Re-announce even when the text repeats (the same action twice): clear, then set.
        els.actionStatus.textContent = '';
        els.actionStatus.textContent = text;
        els.actionStatus.hidden = false;
    }

    function updateReasonState() {
        const length = els.reason.value.length;
        setText(els.reasonCount, `${length}/500`);
        els.reason.setCustomValidity(els.reason.value.trim() === '' ? 'Give a reason: it goes into the audit log.' : '');
    }

    function openDialog(name, action, trigger) {
        if (!model.control || !Object.prototype.hasOwnProperty.call(ACTIONS, action)) {
            return;
        }
        const breaker = model.breakers.get(name);
        const fleet = breaker ? breaker.fleet : null;
        const joined = Boolean(breaker && (breaker.inFleet || fleet));
        pending = { name, action, trigger };

        els.dialogTitle.replaceChildren(
            document.createTextNode(`${ACTIONS[action].label} `),
            el('q', 'confirm-name', name),
            document.createTextNode('?'),
        );
        setText(els.dialogWhat, ACTIONS[action].what);
        els.dialog.dataset.action = action;
        els.dialog.dataset.breaker = name;
        els.reason.value = '';
        updateReasonState();

        els.scope.checked = false;
        els.scope.disabled = !joined;
        els.scopeBox.hidden = !joined;
        if (joined) {
            const live = fleet && isNumber(fleet.liveReplicas) ? `, ${fleet.liveReplicas} live` : '';
            setText(els.scopeText, `Fleet-wide: every replica of ${(fleet && fleet.application) || 'the application'}${live}`);
        }

        els.dialog.showModal();
        els.reason.focus();
    }

    function closeDialog() {
        if (els.dialog.open) {
            els.dialog.close();
        }
    }

    async function send(name, action, reason, fleetWide) {
        const what = `${ACTIONS[action].label} “${name}”${fleetWide ? ' fleet-wide' : ''}`;
        showResult('pending', `${what}: sending…`);
        try {
            const response = await fetch(actionUrl(name, action, fleetWide), {
                method: 'POST',
                credentials: 'same-origin',
                cache: 'no-store',
                headers: { 'Content-Type': 'application/json', 'X-Fluxgate-Control': '1' },
                body: JSON.stringify({ reason }),
            });
            let body = '';
            try {
                body = await response.text();
            } catch {
                // The status alone still says what happened.
            }
            showResult(response.ok ? 'ok' : 'error', `${what}: ${describeResponse(response.status, response.statusText, body)}`);
        } catch (error) {
            showResult('error', `${what}: request failed (${error && error.message ? error.message : error})`);
        }
    }

    function wireControl() {
        els.grid.addEventListener('click', (event) => {
            const button = event.target.closest('button[data-action]');
            const card = button ? button.closest('article.breaker') : null;
            if (card && els.grid.contains(card)) {
                openDialog(card.dataset.name, button.dataset.action, button);
            }
        });

        els.reason.addEventListener('input', updateReasonState);
        els.reason.addEventListener('keydown', (event) => {
            // Enter makes a new line in a textarea; Ctrl/Cmd+Enter confirms.
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                event.preventDefault();
                els.form.requestSubmit(els.form.querySelector('button[value="confirm"]'));
            }
        });

        // The form is method="dialog", but the page sends the request itself: preventing the submission keeps
        // it clear of form-action 'none' in every browser. The submit event comes only once validation passed.
        els.form.addEventListener('submit', (event) => {
            event.preventDefault();
            if (!pending || (event.submitter && event.submitter.value === 'cancel')) {
                closeDialog();
                return;
            }
            updateReasonState();
            if (!els.reason.reportValidity()) {
                return;
            }
            const { name, action } = pending;
            const reason = els.reason.value.trim();
            const fleetWide = !els.scope.disabled && els.scope.checked;
            closeDialog();
            send(name, action, reason, fleetWide);
        });

        els.cancel.addEventListener('click', closeDialog);

        els.dialog.addEventListener('close', () => {
            const trigger = pending ? pending.trigger : null;
            pending = null;
            // Back to the button that opened the dialog; if its card went meanwhile, to the grid.
            if (trigger && document.contains(trigger)) {
                trigger.focus();
            } else {
                els.grid.focus();
            }
        });
    }

    // ---- start ----

    function start() {
        els = findElements();
        // The server renders data-control="true" only when control is allowed; anything else (including an
        // unsubstituted placeholder) means read-only. A snapshot may also say control is off; it can never turn it on.
        pageControl = document.body.dataset.control === 'true';
        model.control = pageControl;
        document.body.dataset.control = String(pageControl);
        document.body.dataset.connection = model.connection;
        els.filter.addEventListener('input', scheduleRender);
        els.filter.addEventListener('keydown', (event) => {
            if (event.key === 'Escape' && els.filter.value !== '') {
                els.filter.value = '';
                scheduleRender();
            }
        });
        wireControl();
        render();
        connect();
        setInterval(tick, 1000);
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', start);
    } else {
        start();
    }
})();
