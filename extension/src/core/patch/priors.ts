import priorsData from './priors.json';
import type { TemplateName } from './types';

/** A template's prior and the weights of its variants. */
export interface TemplatePrior {
  /** Probability that a fault on a line is repaired by this template. */
  prior: number;
  /** Relative weights of the kinds of edit within the template (missing variants weigh 1). */
  variants: Record<string, number>;
}

/** Priors for every template; kept as data (`priors.json`) so a benchmark can refit them. */
export type TemplatePriors = Record<TemplateName, TemplatePrior>;

/** The shipped priors. */
export const defaultPriors: TemplatePriors = priorsData.templates as TemplatePriors;

/** A variant's weight, 1 when the priors do not name it. */
export function variantWeight(priors: TemplatePriors, template: TemplateName, variant: string): number {
  return priors[template]?.variants[variant] ?? 1;
}
