import { mergeConfig } from 'vitest/config';
import shared from '../vitest.shared.js';

// Packing, installing and running every README program takes minutes, not seconds.
export default mergeConfig(shared, { test: { testTimeout: 180_000, hookTimeout: 240_000 } });
