/**
 * What resolvers pass around for each GraphQL type, where it differs from the schema type.
 * Codegen turns every `export … <Type>Model` here into a mapper.
 */

export type PostStatusValue = 'DRAFT' | 'SCHEDULED' | 'PUBLISHED' | 'ARCHIVED';

export interface PostModel {
  id: string;
  authorId: string;
  title: string;
  content: string;
  /** The canonical slug. */
  slug: string;
  tags: string[];
  status: PostStatusValue;
  publishAt: Date | null;
  publishedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
