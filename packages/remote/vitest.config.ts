import { mergeConfig } from 'vitest/config';
import shared from '../../tools/vitest.shared.js';

export default mergeConfig(shared, {});
