export { build, resolveBuildOptions } from './build.js';
export type { BuildOptions, BuildPhase, BuildResult, HeldPost, LockHolder, ProgressEvent, SectionCounts, SectionName, SiteWarning, SkippedFile } from './build.js';
export type { WorkerTelemetry } from '@drove/pool';
export { loadSiteConfig, resolveSiteConfig, configFileNames } from './config.js';
export type {
  FeedConfig,
  LanguageConfig,
  Macro,
  MacroCall,
  PaginationConfig,
  PermalinkConfig,
  ResolvedLanguage,
  ResolvedSiteConfig,
  SiteConfig,
  TemplateLimits,
} from './site-config.js';
export { BlogEngineError, BuildError, InvalidOptionError, OverwriteError } from './errors.js';
export type { BlogEngineErrorCode, BlogEngineErrorJSON, BlogEngineErrorOptions, SourceLocation } from './errors.js';
export { generateSite } from './generate.js';
export type { GenerateOptions, GeneratedSite } from './generate.js';
export { initSite } from './init-site.js';
export type { InitializedSite, InitSiteOptions } from './init-site.js';
export { createPost } from './new-post.js';
export type { NewPostOptions } from './new-post.js';
export { serve } from './serve.js';
export type { DevServer, ServeOptions } from './serve.js';
