// One place the page's modules take preact, hooks and htm from (served from node_modules, offline).
import { h, render, Fragment } from './vendor/preact.mjs';
import { useState, useEffect, useRef, useCallback, useMemo } from './vendor/hooks.mjs';
import htm from './vendor/htm.mjs';

export const html = htm.bind(h);
export { render, Fragment, useState, useEffect, useRef, useCallback, useMemo };
