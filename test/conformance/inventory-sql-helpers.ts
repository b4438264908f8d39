/** Shared by the SQL engines' conformance files. */

/** The generic mode's query, written as an operator would against Dynamo's tables. */
export const GENERIC_QUERY = `
  SELECT f.name AS lfn, f.size AS size,
         CASE WHEN br.is_complete = 1 AND br.group_id <> 0 THEN 1 ELSE 0 END AS settled
  FROM block_replicas br
  JOIN files f ON f.block_id = br.block_id
  JOIN sites s ON s.id = br.site_id
  WHERE s.name = :site`;
