import { z } from 'zod';

/** Value types several configuration sections share. */

export const MIB = 1024 * 1024;

export const port = z.coerce.number().int().min(0).max(65_535);
export const positiveMs = z.coerce.number().int().positive();

export const httpUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without query or fragment')
  .transform((value) => value.replace(/\/+$/, ''));

export const secret = z.string().trim().min(1).optional();

/** USD per million tokens (model-catalog.ts `Pricing`). */
export const pricingSchema = z
  .object({
    input: z.number().nonnegative(),
    output: z.number().nonnegative(),
    cache_read: z.number().nonnegative().optional(),
    cache_write_5m: z.number().nonnegative().optional(),
    cache_write_1h: z.number().nonnegative().optional(),
    /** When the price was read (YYYY-MM) and where: shown to operators, not used in sums. */
    priced_at: z.string().trim().min(1).optional(),
    source: z.string().trim().min(1).optional(),
  })
  .strict();
