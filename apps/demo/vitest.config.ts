import { mergeConfig } from 'vitest/config';
import shared from '../../tools/vitest.shared.js';

export default mergeConfig(shared, { test: { testTimeout: 180_000, hookTimeout: 120_000 } });
