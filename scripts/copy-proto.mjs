#!/usr/bin/env node
// Copies the repository's proto/ into packages/core/proto, so the published @otel-skywalking/core
// carries its .proto files (core's prepack runs it; in the repository the loader reads proto/ directly).
import { fileURLToPath } from 'node:url';
import { cpSync, rmSync } from 'node:fs';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}packages/core/proto`, { recursive: true, force: true });
cpSync(`${root}proto`, `${root}packages/core/proto`, { recursive: true });
