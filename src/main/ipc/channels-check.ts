/**
 * Compile-time guard: the zod-free channel lists the preload uses must name
 * exactly the contract's channels. A drift is a type error here, not a
 * missing button at runtime.
 */
import type { EventChannel, RequestChannel } from '../../shared/ipc-contract';
import type { EVENT_CHANNEL_NAMES, REQUEST_CHANNEL_NAMES } from '../../shared/ipc-channels';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

export type RequestChannelsMatch = Assert<Same<(typeof REQUEST_CHANNEL_NAMES)[number], RequestChannel>>;
export type EventChannelsMatch = Assert<Same<(typeof EVENT_CHANNEL_NAMES)[number], EventChannel>>;
